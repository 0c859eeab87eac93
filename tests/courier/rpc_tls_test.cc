// Mutual TLS on Courier connections: the checks that make a wrong file a launch error,
// and real servers and channels over real sockets (127.0.0.1, port 0) — who gets through,
// who does not, and what an observer of the connection sees.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "lp/courier_channel.h"
#include "lp/courier_server.h"
#include "src/courier/rpc/transport_security.h"
#include "tests/courier/rpc_test_util.h"
#include "tests/support/recording_proxy.h"
#include "tests/support/test_certificates.h"

namespace lp::rpc {
namespace {

using ::lp::testing::Args;
using ::lp::testing::EchoFirst;
using ::lp::testing::kTestServerName;
using ::lp::testing::Timeout;

constexpr char kSecret[] = "0123456789abcdef0123456789abcdef";
// What a call sends; an observer of a TLS connection must not see it.
constexpr char kPayload[] = "gradient-step-payload-7f3a";

courier::SerializedObject Bytes(const std::string& text) {
  courier::SerializedObject object;
  object.set_string_value(text);
  return object;
}

class TlsTest : public ::testing::Test {
 protected:
  // Two CAs with a node certificate each: "ours" is the launch's, "theirs" another's.
  static void SetUpTestSuite() {
    root_ = new std::string(
        (std::filesystem::temp_directory_path() /
         ("lp_tls_test_" + std::to_string(getpid())))
            .string());
    absl::StatusOr<TlsOptions> ours = testing::MakeTestCertificates(*root_ + "/ours");
    absl::StatusOr<TlsOptions> theirs = testing::MakeTestCertificates(*root_ + "/theirs");
    ASSERT_TRUE(ours.ok()) << ours.status();
    ASSERT_TRUE(theirs.ok()) << theirs.status();
    ours_ = new TlsOptions(*ours);
    theirs_ = new TlsOptions(*theirs);
  }
  static void TearDownTestSuite() {
    if (root_ != nullptr) std::filesystem::remove_all(*root_);
    delete root_;
    delete ours_;
    delete theirs_;
  }

  static std::shared_ptr<const TransportSecurity> Load(const TlsOptions& options) {
    absl::StatusOr<std::shared_ptr<const TransportSecurity>> loaded =
        LoadTransportSecurity(options);
    EXPECT_TRUE(loaded.ok()) << loaded.status();
    return loaded.ok() ? *loaded : nullptr;
  }

  static std::string LoadError(const TlsOptions& options) {
    absl::StatusOr<std::shared_ptr<const TransportSecurity>> loaded =
        LoadTransportSecurity(options);
    EXPECT_FALSE(loaded.ok());
    EXPECT_EQ(loaded.status().code(), absl::StatusCode::kInvalidArgument) << loaded.status();
    return std::string(loaded.status().message());
  }

  static std::string WriteFile(const std::string& name, const std::string& contents) {
    const std::string path = *root_ + "/" + name;
    std::ofstream(path) << contents;
    return path;
  }

  // A started server with method Echo and the secret, serving `security` (plain if null).
  static std::unique_ptr<CourierServer> StartServer(const TransportSecurity* security) {
    auto server = std::make_unique<CourierServer>();
    EXPECT_TRUE(server->RegisterMethod("Echo", EchoFirst).ok());
    EXPECT_TRUE(server->SetSecret(kSecret, "node learner/0").ok());
    EXPECT_TRUE(server->Start("127.0.0.1:0", security).ok());
    return server;
  }

  static absl::StatusOr<std::string> EchoThrough(
      int port, std::shared_ptr<const TransportSecurity> security,
      absl::Duration timeout = testing::kLong) {
    CourierChannelOptions options;
    options.secret = kSecret;
    options.transport = std::move(security);
    std::shared_ptr<CourierChannel> channel =
        CourierChannel::Create("127.0.0.1:" + std::to_string(port), std::move(options));
    absl::StatusOr<courier::SerializedObject> reply =
        channel->Call("Echo", Args({Bytes(kPayload)}), Timeout(timeout));
    if (!reply.ok()) return reply.status();
    return reply->string_value();
  }

  static std::string* root_;
  static TlsOptions* ours_;
  static TlsOptions* theirs_;
};

std::string* TlsTest::root_ = nullptr;
TlsOptions* TlsTest::ours_ = nullptr;
TlsOptions* TlsTest::theirs_ = nullptr;

TEST_F(TlsTest, NoFilesMeansPlainTcp) {
  absl::StatusOr<std::shared_ptr<const TransportSecurity>> loaded =
      LoadTransportSecurity(TlsOptions{.server_name = "ignored"});
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(*loaded, nullptr);
}

TEST_F(TlsTest, LoadsMatchingFilesWithOrWithoutAServerName) {
  EXPECT_NE(Load(*ours_), nullptr);
  TlsOptions named = *ours_;
  named.server_name = kTestServerName;
  EXPECT_NE(Load(named), nullptr);
  named.server_name = "127.0.0.1";  // an IP address the certificate lists
  EXPECT_NE(Load(named), nullptr);
}

TEST_F(TlsTest, AMissingFileNamesTheFlagThatIsMissing) {
  TlsOptions options = *ours_;
  options.private_key_file.clear();
  EXPECT_NE(LoadError(options).find("--lp_tls_key (the TLS private key file) is not given"),
            std::string::npos);
}

TEST_F(TlsTest, AnUnreadableFileIsNamedWithTheReason) {
  TlsOptions options = *ours_;
  options.ca_file = *root_ + "/no-such-ca.pem";
  const absl::StatusOr<std::shared_ptr<const TransportSecurity>> loaded =
      LoadTransportSecurity(options);
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kFailedPrecondition) << loaded.status();
  EXPECT_NE(loaded.status().message().find("cannot read the TLS CA file '" + options.ca_file +
                                           "' (--lp_tls_ca): No such file or directory"),
            std::string::npos)
      << loaded.status();
}

TEST_F(TlsTest, FilesOfTheWrongKindAreRefused) {
  TlsOptions options = *ours_;
  options.certificate_file = ours_->private_key_file;  // a key where a certificate belongs
  EXPECT_NE(LoadError(options).find("(--lp_tls_cert) holds no PEM certificate"),
            std::string::npos);
  options = *ours_;
  options.private_key_file = WriteFile("not-a-key.pem", "hello\n");
  EXPECT_NE(LoadError(options).find("(--lp_tls_key) holds no PEM private key"),
            std::string::npos);
}

TEST_F(TlsTest, AnEncryptedKeyIsRefusedSayingHowToDecryptIt) {
  const std::string encrypted = *root_ + "/encrypted.key";
  ASSERT_EQ(std::system(("openssl pkey -in " + ours_->private_key_file + " -aes256 -passout " +
                         "pass:hunter22 -out " + encrypted + " 2>/dev/null")
                            .c_str()),
            0);
  TlsOptions options = *ours_;
  options.private_key_file = encrypted;
  const std::string error = LoadError(options);
  EXPECT_NE(error.find("can be read without a passphrase"), std::string::npos) << error;
  EXPECT_NE(error.find("openssl pkey"), std::string::npos) << error;
}

TEST_F(TlsTest, AKeyOfAnotherCertificateIsRefused) {
  TlsOptions options = *ours_;
  options.private_key_file = theirs_->private_key_file;
  EXPECT_NE(LoadError(options).find("is not the key of the certificate"), std::string::npos);
}

TEST_F(TlsTest, ACertificateOfAnotherCaIsRefusedWithOpenSslsReason) {
  TlsOptions options = *theirs_;
  options.ca_file = ours_->ca_file;
  const std::string error = LoadError(options);
  EXPECT_NE(error.find("does not pass as a server's against the CAs"), std::string::npos)
      << error;
  EXPECT_NE(error.find("unable to get local issuer certificate"), std::string::npos) << error;
}

TEST_F(TlsTest, AServerNameTheCertificateLacksIsRefused) {
  TlsOptions options = *ours_;
  options.server_name = "learner.example.org";
  EXPECT_NE(LoadError(options).find("is not valid for the name 'learner.example.org'"),
            std::string::npos);
}

TEST_F(TlsTest, CallsOverMutualTlsWorkByAddressAndByServerName) {
  std::shared_ptr<const TransportSecurity> security = Load(*ours_);
  std::unique_ptr<CourierServer> server = StartServer(security.get());
  // Checked against the address's host, 127.0.0.1, which the certificate lists.
  EXPECT_EQ(EchoThrough(server->port(), security).value_or("error"), kPayload);
  TlsOptions named = *ours_;
  named.server_name = kTestServerName;
  EXPECT_EQ(EchoThrough(server->port(), Load(named)).value_or("error"), kPayload);
}

TEST_F(TlsTest, APlainClientCannotCallATlsServerWhichGoesOnServing) {
  std::shared_ptr<const TransportSecurity> security = Load(*ours_);
  std::unique_ptr<CourierServer> server = StartServer(security.get());
  const absl::StatusOr<std::string> plain =
      EchoThrough(server->port(), nullptr, absl::Seconds(5));
  EXPECT_FALSE(plain.ok());
  EXPECT_NE(plain.status().code(), absl::StatusCode::kOk);
  EXPECT_EQ(EchoThrough(server->port(), security).value_or("error"), kPayload);
}

TEST_F(TlsTest, AClientWithoutACertificateIsRefused) {
  std::shared_ptr<const TransportSecurity> security = Load(*ours_);
  std::unique_ptr<CourierServer> server = StartServer(security.get());
  auto anonymous = std::make_shared<TransportSecurity>(*security);
  anonymous->certificate_chain.clear();  // trusts the server, presents nothing
  anonymous->private_key.clear();
  EXPECT_FALSE(EchoThrough(server->port(), anonymous, absl::Seconds(5)).ok());
  EXPECT_EQ(EchoThrough(server->port(), security).value_or("error"), kPayload);
}

TEST_F(TlsTest, AClientWithACertificateOfAnotherCaIsRefused) {
  std::shared_ptr<const TransportSecurity> security = Load(*ours_);
  std::unique_ptr<CourierServer> server = StartServer(security.get());
  auto stranger = std::make_shared<TransportSecurity>(*security);  // trusts our CA...
  TlsOptions theirs_trusting_ours = *theirs_;
  theirs_trusting_ours.ca_file = theirs_->ca_file;
  std::shared_ptr<const TransportSecurity> their_files = Load(theirs_trusting_ours);
  stranger->certificate_chain = their_files->certificate_chain;  // ...presents theirs
  stranger->private_key = their_files->private_key;
  EXPECT_FALSE(EchoThrough(server->port(), stranger, absl::Seconds(5)).ok());
}

TEST_F(TlsTest, AServerWithACertificateOfAnotherCaIsRefusedByTheClient) {
  std::shared_ptr<const TransportSecurity> theirs = Load(*theirs_);
  std::unique_ptr<CourierServer> server = StartServer(theirs.get());
  EXPECT_FALSE(EchoThrough(server->port(), Load(*ours_), absl::Seconds(5)).ok());
}

// The secret and the arguments cross the wire in clear over plain TCP (which is what
// makes this test able to fail), and not over TLS.
TEST_F(TlsTest, AnObserverOfTheConnectionSeesNeitherTheSecretNorTheArguments) {
  for (const bool tls : {false, true}) {
    SCOPED_TRACE(tls ? "TLS" : "plain TCP");
    std::shared_ptr<const TransportSecurity> security = tls ? Load(*ours_) : nullptr;
    std::unique_ptr<CourierServer> server = StartServer(security.get());
    std::string seen;
    {
      testing::RecordingProxy proxy(server->port());
      ASSERT_NE(proxy.port(), 0);
      EXPECT_EQ(EchoThrough(proxy.port(), security).value_or("error"), kPayload);
      seen = proxy.Seen();
    }
    EXPECT_GT(seen.size(), 100u);
    EXPECT_EQ(seen.find(kPayload) != std::string::npos, !tls);
    EXPECT_EQ(seen.find(kSecret) != std::string::npos, !tls);
  }
}

}  // namespace
}  // namespace lp::rpc
