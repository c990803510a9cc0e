#include "client/gateway_channel.h"

#include <fstream>
#include <sstream>

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/flag_checks.h"
#include "common/flag_file.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"
#include "grpcpp/support/client_interceptor.h"

namespace cxone::client {
namespace {

absl::StatusOr<std::string> ReadPemFile(const char* flag,
                                        const std::string& path) {
  absl::StatusOr<std::string> text = ReadFlagFile(flag, path);
  if (!text.ok()) return text;
  if (!absl::StrContains(*text, "-----BEGIN ")) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, " \"", path, "\": not a PEM file"));
  }
  return text;
}

absl::Status CheckHostPort(const std::string& address, const std::string& what) {
  std::string copy = address;
  const std::string error = HostPort(PortUse::kConnect)(copy);
  if (!error.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--server \"", what, "\": ", error,
                     "; --server takes HOST:PORT, https://HOST[:PORT] or "
                     "dns:///HOST:PORT"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<GatewayEndpoint> ResolveGatewayEndpoint(
    const GatewayFlags& flags) {
  GatewayEndpoint endpoint;
  absl::string_view server = flags.server;
  const bool files = !flags.tls_ca.empty() || !flags.tls_cert.empty() ||
                     !flags.tls_key.empty();
  if (absl::ConsumePrefix(&server, "https://")) {
    server = absl::StripSuffix(server, "/");
    std::string address(server);
    const bool bracketed = !address.empty() && address.front() == '[';
    const bool has_port = bracketed ? absl::StrContains(address, "]:")
                                    : absl::StrContains(address, ':');
    if (!has_port) address += ":443";
    if (absl::Status valid = CheckHostPort(address, flags.server); !valid.ok()) {
      return valid;
    }
    endpoint.target = address;
    endpoint.tls = true;
  } else if (absl::StartsWith(server, "dns:")) {
    if (server.size() <= 4 || absl::EndsWith(server, "/")) {
      return absl::InvalidArgumentError(
          absl::StrCat("--server \"", flags.server,
                       "\": a dns: target names a host (dns:///HOST:PORT)"));
    }
    endpoint.target = std::string(server);
    endpoint.tls = files;
  } else if (absl::StrContains(server, "://")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--server \"", flags.server,
        "\": the only schemes are https:// and dns: (plain HOST:PORT for "
        "plaintext)"));
  } else {
    if (absl::Status valid = CheckHostPort(flags.server, flags.server);
        !valid.ok()) {
      return valid;
    }
    endpoint.target = flags.server;
    endpoint.tls = files;
  }
  if (flags.tls_cert.empty() != flags.tls_key.empty()) {
    return absl::InvalidArgumentError(
        "--tls-cert and --tls-key go together: the client certificate and "
        "its key");
  }
  if (!flags.tls_ca.empty()) {
    absl::StatusOr<std::string> ca = ReadPemFile("tls-ca", flags.tls_ca);
    if (!ca.ok()) return ca.status();
    endpoint.ca_pem = *std::move(ca);
  }
  if (!flags.tls_cert.empty()) {
    absl::StatusOr<std::string> cert = ReadPemFile("tls-cert", flags.tls_cert);
    if (!cert.ok()) return cert.status();
    absl::StatusOr<std::string> key = ReadPemFile("tls-key", flags.tls_key);
    if (!key.ok()) return key.status();
    endpoint.cert_pem = *std::move(cert);
    endpoint.key_pem = *std::move(key);
  }
  if (!flags.token_file.empty()) {
    std::ifstream file(flags.token_file, std::ios::binary);
    std::stringstream text;
    text << file.rdbuf();
    const std::string token(absl::StripAsciiWhitespace(text.str()));
    if (!file || token.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--token-file \"", flags.token_file, "\": cannot read a token from it"));
    }
    if (absl::c_any_of(token, [](char c) {
          return static_cast<unsigned char>(c) < 0x21 || c == 0x7f;
        })) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--token-file \"", flags.token_file,
          "\": the token holds spaces or control characters"));
    }
    endpoint.bearer_token = token;
  }
  return endpoint;
}

namespace {

// Adds `authorization: Bearer TOKEN` to every call's metadata. An
// interceptor rather than call credentials: gRPC sends call credentials
// only over TLS, and a loopback gateway may be plaintext.
class BearerTokenInterceptor : public grpc::experimental::Interceptor {
 public:
  explicit BearerTokenInterceptor(const std::string& header) : header_(header) {}
  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::
                PRE_SEND_INITIAL_METADATA)) {
      methods->GetSendInitialMetadata()->insert({"authorization", header_});
    }
    methods->Proceed();
  }

 private:
  const std::string& header_;
};

class BearerTokenInterceptors
    : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  explicit BearerTokenInterceptors(const std::string& token)
      : header_(absl::StrCat("Bearer ", token)) {}
  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo* /*info*/) override {
    return new BearerTokenInterceptor(header_);
  }

 private:
  const std::string header_;
};

}  // namespace

std::shared_ptr<grpc::Channel> MakeGatewayChannel(
    const GatewayEndpoint& endpoint, const GatewayChannelOptions& options) {
  grpc::ChannelArguments args;
  args.SetInt(
      GRPC_ARG_KEEPALIVE_TIME_MS,
      static_cast<int>(absl::ToInt64Milliseconds(options.keepalive_time)));
  args.SetInt(
      GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
      static_cast<int>(absl::ToInt64Milliseconds(options.keepalive_timeout)));
  // The CLI opens the connection for one call at a time; pinging between
  // calls (e.g. between StartCompile and WatchCompile) keeps the check going.
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // gRPC shares connections between channels with equal arguments (the
  // global subchannel pool): a new channel would get the old one's
  // connection back, wedged or not. CompileConnection::Replace() needs a
  // new connection, so each channel keeps its own.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  std::shared_ptr<grpc::ChannelCredentials> credentials =
      grpc::InsecureChannelCredentials();
  if (endpoint.tls) {
    grpc::SslCredentialsOptions tls;
    tls.pem_root_certs = endpoint.ca_pem;
    tls.pem_cert_chain = endpoint.cert_pem;
    tls.pem_private_key = endpoint.key_pem;
    credentials = grpc::SslCredentials(tls);
  }
  if (endpoint.bearer_token.empty()) {
    return grpc::CreateCustomChannel(endpoint.target, credentials, args);
  }
  std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(
      std::make_unique<BearerTokenInterceptors>(endpoint.bearer_token));
  return grpc::experimental::CreateCustomChannelWithInterceptors(
      endpoint.target, credentials, args, std::move(interceptors));
}

std::shared_ptr<grpc::Channel> MakeGatewayChannel(
    const std::string& target, const GatewayChannelOptions& options) {
  GatewayEndpoint endpoint;
  endpoint.target = target;
  return MakeGatewayChannel(endpoint, options);
}

}  // namespace cxone::client
