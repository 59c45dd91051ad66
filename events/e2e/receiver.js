// A webhook receiver that verifies every delivery with the Standard
// Webhooks reference library (npm standardwebhooks), independent of
// fleetcharge's own signing code. It listens on 127.0.0.1 on a free port
// and prints {"port": N}; it reads the webhook secret from stdin (one line,
// the newest wins); for each delivery it prints one JSON line
// {"ok", "id", "type", "error", "body"} and answers 204 when the signature
// verifies, 400 when it does not.
"use strict";
const http = require("http");
const readline = require("readline");
const { Webhook } = require("standardwebhooks");

let secret = "";
readline.createInterface({ input: process.stdin }).on("line", (line) => {
  secret = line.trim();
});

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const body = Buffer.concat(chunks).toString("utf8");
    const out = { ok: false, id: req.headers["webhook-id"] || "", type: "", error: "", body };
    try {
      if (req.method !== "POST") throw new Error("method " + req.method);
      const payload = new Webhook(secret).verify(body, req.headers);
      out.ok = true;
      out.type = payload.type;
    } catch (e) {
      out.error = String(e && e.message ? e.message : e);
    }
    process.stdout.write(JSON.stringify(out) + "\n");
    res.writeHead(out.ok ? 204 : 400);
    res.end();
  });
});
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + "\n");
});
process.stdin.on("end", () => server.close(() => process.exit(0)));
