#include "src/status/status_page.h"

namespace lp::internal {

std::string_view StateColour(std::string_view state) {
  if (state == "starting") return "#e0e0e0";
  if (state == "registered") return "#bcd7f5";
  if (state == "running") return "#9fe09f";
  if (state == "stopping") return "#ffd98a";
  if (state == "exited") return "#c8c8c8";
  if (state == "failed") return "#ff9a9a";
  if (state == "killed") return "#d9a6ff";
  return "#ffffff";
}

std::string_view StatusPageHtml() {
  // The colours repeat StateColour's: the page colours rows, the server colours the graph.
  static constexpr std::string_view kPage = R"html(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Launchpad program status</title>
<style>
  body { font-family: sans-serif; margin: 1.5em; color: #222; }
  h1 { font-size: 1.3em; margin-bottom: 0.2em; }
  #program { color: #555; margin-bottom: 1em; }
  table { border-collapse: collapse; font-size: 0.9em; }
  th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
  th { background: #f4f4f4; }
  td.output { font-family: monospace; white-space: pre; max-width: 40em; overflow: hidden; }
  .state { font-weight: bold; }
  .starting { background: #e0e0e0; } .registered { background: #bcd7f5; }
  .running { background: #9fe09f; } .stopping { background: #ffd98a; }
  .exited { background: #c8c8c8; } .failed { background: #ff9a9a; }
  .killed { background: #d9a6ff; }
  #graph { margin-top: 1.5em; }
  #error { color: #b00; }
</style>
</head>
<body>
<h1 id="title">Launchpad program</h1>
<div id="program">loading…</div>
<div id="error"></div>
<table id="nodes">
  <thead><tr><th>node</th><th>kind</th><th>state</th><th>restarts</th><th>host</th>
  <th>pid</th><th>address</th><th>uptime</th><th>how it ended</th><th>last output</th></tr></thead>
  <tbody></tbody>
</table>
<div id="graph"></div>
<script>
"use strict";
function text(value) { return value === null || value === undefined ? "-" : String(value); }
function seconds(value) { return value === null ? "-" : value.toFixed(1) + " s"; }
function cell(row, value, cls) {
  const td = document.createElement("td");
  td.textContent = value;
  if (cls) td.className = cls;
  row.appendChild(td);
}
let lastGraphKey = "";
async function refresh() {
  try {
    const program = await (await fetch("/api/program")).json();
    const nodes = (await (await fetch("/api/nodes")).json()).nodes;
    document.getElementById("title").textContent =
        "Program '" + program.name + "' (" + program.launch_type + ")";
    let line = "up " + seconds(program.uptime_seconds) + ", " + program.nodes + " nodes";
    if (program.ended) line += ", ended"; else if (program.stopping) line += ", stopping";
    if (program.stop_reason) line += ": " + program.stop_reason;
    document.getElementById("program").textContent = line;
    const body = document.querySelector("#nodes tbody");
    body.replaceChildren();
    for (const node of nodes) {
      const row = document.createElement("tr");
      row.id = "node-" + node.id;
      row.className = "node " + node.state;
      cell(row, node.id + (node.parent ? " (in " + node.parent + ")" : ""));
      cell(row, node.kind + (node.methods.length ? ": " + node.methods.join(", ") : ""));
      cell(row, node.state, "state");
      cell(row, text(node.restarts));
      cell(row, text(node.host));
      cell(row, text(node.pid));
      cell(row, text(node.address));
      cell(row, seconds(node.uptime_seconds));
      cell(row, text(node.ended_how));
      cell(row, node.last_output.join("\n"), "output");
      body.appendChild(row);
    }
    document.getElementById("error").textContent = "";
    const graphKey = nodes.map(n => n.state).join(",");
    if (graphKey !== lastGraphKey) {
      const graph = await fetch("/graph.svg");
      const place = document.getElementById("graph");
      if (graph.ok) {
        place.innerHTML = await graph.text();  // our own server's SVG
      } else {
        place.textContent = "graph unavailable: " + (await graph.text());
      }
      lastGraphKey = graphKey;
    }
  } catch (error) {
    document.getElementById("error").textContent =
        "the program's status server does not answer (the program may have ended): " + error;
  }
}
refresh();
setInterval(refresh, 1000);
</script>
</body>
</html>
)html";
  return kPage;
}

}  // namespace lp::internal
