#ifndef LP_LP_H_
#define LP_LP_H_

// Launchpad for C++: everything a program needs, in one include.

#include "lp/batch.h"
#include "lp/class_node.h"
#include "lp/colocation.h"
#include "lp/courier_client.h"
#include "lp/courier_methods.h"
#include "lp/courier_node.h"
#include "lp/context.h"
#include "lp/dereference.h"
#include "lp/errors.h"
#include "lp/event.h"
#include "lp/flags.h"
#include "lp/future.h"
#include "lp/function_node.h"
#include "lp/handle.h"
#include "lp/launch.h"
#include "lp/launch_type.h"
#include "lp/node.h"
#include "lp/program.h"
#include "lp/python_node.h"
#include "lp/rpc_error.h"
#include "lp/serialize.h"
#include "lp/stop.h"
#include "lp/tensor.h"

#endif  // LP_LP_H_
