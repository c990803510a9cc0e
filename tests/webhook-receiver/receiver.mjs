// A webhook receiver that verifies each delivery with the standardwebhooks
// npm package — an implementation independent of the gateway's — and
// prints one JSON line per delivery:
//   {"id": "...", "verified": true, "sequence": 3, "compile": "..."}
// or {"id": "...", "verified": false, "error": "..."}.
// Usage: node receiver.mjs SECRET   (whsec_...); prints "listening PORT".
import http from "node:http";
import standardwebhooks from "standardwebhooks";

const secret = process.argv[2];
if (!secret) {
  console.error("usage: node receiver.mjs whsec_...");
  process.exit(2);
}
const webhook = new standardwebhooks.Webhook(secret);

const server = http.createServer((request, response) => {
  const chunks = [];
  request.on("data", (chunk) => chunks.push(chunk));
  request.on("end", () => {
    const body = Buffer.concat(chunks).toString("utf8");
    const id = request.headers["webhook-id"] ?? "";
    try {
      const payload = webhook.verify(body, request.headers);
      console.log(JSON.stringify({
        id,
        verified: true,
        sequence: payload.data.sequence,
        compile: payload.data.compile,
      }));
      response.writeHead(204).end();
    } catch (error) {
      console.log(JSON.stringify({ id, verified: false, error: String(error) }));
      response.writeHead(400).end();
    }
  });
});
server.listen(0, "127.0.0.1", () => {
  console.log(`listening ${server.address().port}`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
