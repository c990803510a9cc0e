#include "client/global_flags.h"

namespace cxone::client {

void AddGlobalFlags(FlagParser& flags, GlobalFlags& globals) {
  flags.AddString("server", &globals.gateway.server,
                  "The gateway: HOST:PORT, https://HOST[:PORT] (TLS) or "
                  "dns:///HOST:PORT.");
  flags.AddString("tls-ca", &globals.gateway.tls_ca,
                  "PEM CA certificates that verify the gateway (TLS; "
                  "default: the system's).");
  flags.AddString("tls-cert", &globals.gateway.tls_cert,
                  "PEM client certificate, for a gateway that requires "
                  "one (mTLS).");
  flags.AddString("tls-key", &globals.gateway.tls_key,
                  "PEM private key of --tls-cert.");
  flags.AddString("token-file", &globals.gateway.token_file,
                  "File holding a bearer token, sent on every call to a "
                  "gateway that identifies callers by token.");
  flags.AddBool("json", &globals.json,
                "Print proto3 JSON, one object per line, instead of text.");
}

absl::Status FinishGlobalFlags(GlobalFlags& globals) {
  absl::StatusOr<GatewayEndpoint> endpoint =
      ResolveGatewayEndpoint(globals.gateway);
  if (!endpoint.ok()) return endpoint.status();
  globals.endpoint = *std::move(endpoint);
  return absl::OkStatus();
}

}  // namespace cxone::client
