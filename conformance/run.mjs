// Conformance suite: drives a running Courier with only the public API of the official
// @upstash/qstash client (pinned in package-lock.json) and verifies every delivery at a loopback sink
// with the official Receiver. Prints one line per check, then "N passed, N failed"; exits 1 on any
// failure. Checks for features Courier does not offer yet are listed as pending, by name.
//
//   QSTASH_URL=http://127.0.0.1:8080 QSTASH_TOKEN=… QSTASH_CURRENT_SIGNING_KEY=… QSTASH_NEXT_SIGNING_KEY=… node run.mjs
//   COURIER_SECOND_TOKEN=… (a token in Courier's auth.tokens) also checks that a second token works.
//   COURIER_DEV_PORT=… also runs the dev-compat check against a Courier started with --dev on that port:
//   a child process with only QSTASH_DEV=true (and QSTASH_DEV_PORT) set, as an app in dev mode would run.
import { Client, Receiver } from "@upstash/qstash";
import { createHash, createHmac } from "node:crypto";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import http from "node:http";
import { fileURLToPath } from "node:url";

const devMode = process.argv.includes("--dev");
const results = [];

// ---------------------------------------------------------------------------------------------
// The sink: records every request and verifies its signature with the official Receiver.

const deliveries = [];
let respond = () => ({ status: 200 });
const sink = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", async () => {
    const body = Buffer.concat(chunks);
    const d = { method: req.method, path: req.url, headers: req.headers, body, at: Date.now() };
    d.verified = await verify(d);
    deliveries.push(d);
    const r = await respond(d);
    res.writeHead(r.status, r.headers ?? {});
    res.end(r.body ?? "");
  });
});
await new Promise((ok) => sink.listen(0, "127.0.0.1", ok));
const sinkBase = `http://127.0.0.1:${sink.address().port}`;

const receiver = devMode
  ? new Receiver() // QSTASH_DEV=true: the Receiver switches to the public development keys itself
  : new Receiver({
      currentSigningKey: process.env.QSTASH_CURRENT_SIGNING_KEY,
      nextSigningKey: process.env.QSTASH_NEXT_SIGNING_KEY,
    });

async function verify(d) {
  const url = sinkBase + d.path;
  const signature = d.headers["upstash-signature"];
  const text = new TextDecoder("utf-8", { fatal: true });
  let utf8;
  try {
    utf8 = text.decode(d.body);
  } catch {
    utf8 = undefined;
  }
  try {
    if (utf8 !== undefined) {
      return (await receiver.verify({ signature, body: utf8, url })) === true ? "ok" : "receiver returned false";
    }
    // The Receiver hashes a string: a binary body is checked by hashing the raw bytes ourselves and
    // letting the Receiver check everything else against a body whose hash we substitute.
    return verifyBinary(signature, d.body, url);
  } catch (e) {
    return `signature rejected: ${e.message}`;
  }
}

function verifyBinary(jwt, bytes, url) {
  const [h, p, s] = jwt.split(".");
  const keys = [process.env.QSTASH_CURRENT_SIGNING_KEY, process.env.QSTASH_NEXT_SIGNING_KEY];
  const ok = keys.some((k) => createHmac("sha256", k).update(`${h}.${p}`).digest("base64url") === s);
  if (!ok) return "binary: bad HMAC";
  const claims = JSON.parse(Buffer.from(p, "base64url").toString());
  const hash = createHash("sha256").update(bytes).digest("base64url");
  if (claims.body.replace(/=+$/, "") !== hash) return "binary: body hash does not match";
  if (claims.sub !== url) return "binary: invalid subject";
  if (claims.iss !== "Upstash") return "binary: bad iss";
  return "ok";
}

// ---------------------------------------------------------------------------------------------
// Helpers

const client = devMode ? new Client() : new Client({ baseUrl: process.env.QSTASH_URL, token: process.env.QSTASH_TOKEN });
const baseUrl = devMode ? `http://127.0.0.1:${process.env.QSTASH_DEV_PORT ?? 8080}` : process.env.QSTASH_URL;
const token = devMode ? undefined : process.env.QSTASH_TOKEN;

function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}
function eq(actual, expected, what) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(fn, what, ms = 15000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}
const at = (path) => deliveries.filter((d) => d.path === path);
async function delivered(path, n = 1) {
  return until(() => at(path).length >= n && at(path), `${n} delivery(ies) to ${path}`);
}
async function rejects(promise, status, what) {
  try {
    await promise;
  } catch (e) {
    eq(e.status, status, `${what}: status`);
    return e;
  }
  throw new Error(`${what}: expected an error ${status}`);
}
let seq = 0;
const path = (name) => `/${name}/${++seq}`;
// A queue name of this run ([A-Za-z0-9._-]); dropQueue is the cleanup, whether or not the check got that far.
const runId = Date.now().toString(36);
const queueName = (name) => `conf.${runId}.${name}-${++seq}`;
async function dropQueue(name) {
  try {
    await client.queue({ queueName: name }).delete();
  } catch (e) {
    if (e.status !== 404) throw e;
  }
}

async function check(name, fn) {
  try {
    await fn();
    results.push({ name, ok: true });
    console.log(`ok - ${name}`);
  } catch (e) {
    results.push({ name, ok: false });
    console.log(`not ok - ${name}: ${e.message}`);
  }
}
function pending(name) {
  results.push({ name, pending: true });
  console.log(`pending - ${name}`);
}

// ---------------------------------------------------------------------------------------------
// Checks

if (devMode) {
  await check("dev.publish-verified-with-dev-keys", async () => {
    const p = path("dev");
    const res = await client.publishJSON({ url: sinkBase + p, body: { dev: true } });
    assert(res.messageId.startsWith("msg_"), "messageId");
    const [d] = await delivered(p);
    eq(d.verified, "ok", "the Receiver in dev mode verifies the delivery");
  });
} else {
  await check("publish.text", async () => {
    const p = path("text") + "?a=1&b=two%20words";
    const res = await client.publish({ url: sinkBase + p, body: "hello courier", headers: { "content-type": "text/plain" } });
    eq(Object.keys(res).sort(), ["messageId", "url"], "response keys (deduplicated omitted)");
    eq(res.url, sinkBase + p, "url");
    const [d] = await delivered(p);
    eq(d.method, "POST", "method");
    eq(d.body.toString(), "hello courier", "body");
    eq(d.headers["content-type"], "text/plain", "content-type");
    eq(d.headers["upstash-message-id"], res.messageId, "Upstash-Message-Id");
    eq(d.headers["upstash-retried"], "0", "Upstash-Retried");
    eq(d.headers["user-agent"], "Upstash-QStash", "User-Agent");
    assert(d.headers["upstash-caller-ip"], "Upstash-Caller-Ip");
    assert(!d.headers["authorization"], "the API token is never delivered");
    assert(!Object.keys(d.headers).some((h) => h.startsWith("upstash-telemetry") || h.startsWith("upstash-forward")),
      "no telemetry or forward-prefixed headers delivered");
    eq(d.verified, "ok", "signature");
  });

  await check("publish.json-forwarded-headers-method", async () => {
    const p = path("json");
    const res = await client.publishJSON({
      url: sinkBase + p, body: { hello: "world" }, method: "PUT",
      headers: { "x-custom": "value-uppercase, value-lowercase", "bypass-tunnel-reminder": "client-test" },
    });
    const [d] = await delivered(p);
    eq(d.method, "PUT", "method");
    eq(JSON.parse(d.body.toString()), { hello: "world" }, "body");
    eq(d.headers["content-type"], "application/json", "content-type");
    eq(d.headers["x-custom"], "value-uppercase, value-lowercase", "forwarded header, not split on commas");
    eq(d.headers["bypass-tunnel-reminder"], "client-test", "forwarded header");
    eq(d.verified, "ok", "signature");
    assert(res.messageId, "messageId");
  });

  await check("publish.binary-body", async () => {
    const p = path("bin");
    const bytes = new Uint8Array([0xff, 0x00, 0xc3, 0x28, 0x80, 0x41]);
    await client.publish({ url: sinkBase + p, body: bytes, headers: { "content-type": "application/octet-stream" } });
    const [d] = await delivered(p);
    eq([...d.body], [...bytes], "raw bytes unchanged");
    eq(d.verified, "ok", "signature over the raw bytes");
  });

  await check("publish.delay-and-messages.get", async () => {
    const p = path("delayed");
    const started = Date.now();
    const res = await client.publishJSON({
      url: sinkBase + p, body: { a: 1 }, delay: 2, retries: 2, label: "blue",
      headers: { "test-header": "test-value" },
    });
    const m = await client.messages.get(res.messageId);
    eq(m.messageId, res.messageId, "messageId");
    eq(m.url, sinkBase + p, "url");
    eq(m.method, "POST", "method");
    eq(m.header, { "Content-Type": ["application/json"], "Test-Header": ["test-value"] }, "header (canonical names)");
    eq(m.body, '{"a":1}', "body");
    eq(m.maxRetries, 2, "maxRetries");
    eq(m.label, "blue", "label");
    eq(m.labels, ["blue"], "labels");
    assert(m.notBefore >= m.createdAt + 2000, "notBefore = createdAt + delay");
    assert(m.topicName === undefined && m.queueName === undefined && m.scheduleId === undefined,
      "absent fields omitted");
    const [d] = await delivered(p);
    assert(d.at - started >= 2000, `never early (came after ${d.at - started} ms)`);
    eq(d.verified, "ok", "signature");
    await until(async () => {
      try {
        await client.messages.get(res.messageId);
        return false;
      } catch (e) {
        return e.status === 404;
      }
    }, "404 once delivered");
  });

  await check("publish.not-before", async () => {
    const p = path("nb");
    const notBefore = Math.floor(Date.now() / 1000) + 2;
    await client.publish({ url: sinkBase + p, body: "nb", notBefore, delay: 3600 });
    const [d] = await delivered(p, 1);
    assert(d.at >= notBefore * 1000, "not before notBefore (and it wins over delay)");
  });

  await check("publish.retries-and-retry-delay", async () => {
    const p = path("flaky");
    let calls = 0;
    const prev = respond;
    respond = (d) => (d.path === p ? (++calls <= 2 ? { status: 500 } : { status: 200 }) : prev(d));
    try {
      await client.publish({ url: sinkBase + p, body: "again", retries: 3, retryDelay: "200 * (1 + retried)" });
      const ds = await delivered(p, 3);
      eq(ds.map((d) => d.headers["upstash-retried"]), ["0", "1", "2"], "Upstash-Retried");
      assert(ds[1].at - ds[0].at >= 200 && ds[2].at - ds[1].at >= 400, "retry delay expression spacing");
      ds.forEach((d) => eq(d.verified, "ok", "signature on every attempt"));
    } finally {
      respond = prev;
    }
  });

  await check("publish.deduplication-id", async () => {
    const p = path("dedup");
    const a = await client.publish({ url: sinkBase + p, body: "1", deduplicationId: `d-${seq}` });
    const b = await client.publish({ url: sinkBase + p, body: "2", deduplicationId: `d-${seq}` });
    eq(b.messageId, a.messageId, "original id");
    eq(b.deduplicated, true, "deduplicated");
    await delivered(p);
    await sleep(300);
    eq(at(p).length, 1, "one delivery");
  });

  await check("publish.content-based-deduplication", async () => {
    const p = path("cbd");
    const a = await client.publish({ url: sinkBase + p, body: "same", contentBasedDeduplication: true });
    const b = await client.publish({ url: sinkBase + p, body: "same", contentBasedDeduplication: true });
    const c = await client.publish({ url: sinkBase + p, body: "different", contentBasedDeduplication: true });
    eq(b.messageId, a.messageId, "original id");
    eq(b.deduplicated, true, "deduplicated");
    assert(c.messageId !== a.messageId && !c.deduplicated, "other content is another message");
  });

  await check("messages.cancel", async () => {
    const res = await client.publish({ url: sinkBase + path("cancel"), body: "x", delay: 3600 });
    eq(await client.messages.cancel(res.messageId), { cancelled: 1 }, "cancel(id)");
    await rejects(client.messages.get(res.messageId), 404, "get after cancel");
    await rejects(client.messages.cancel(res.messageId), 404, "cancel twice");
  });

  await check("messages.cancel-many-and-all", async () => {
    const ids = [];
    for (let i = 0; i < 3; i++) {
      ids.push((await client.publish({ url: sinkBase + path("many"), body: "x", delay: 3600 })).messageId);
    }
    eq(await client.messages.cancel([ids[0], ids[1]]), { cancelled: 2 }, "cancel([ids])");
    await client.publish({ url: sinkBase + path("many"), body: "x", delay: 3600, label: "purge" });
    eq(await client.messages.cancel({ filter: { label: "purge" } }), { cancelled: 1 }, "cancel({filter})");
    const all = await client.messages.cancel({ all: true });
    assert(all.cancelled >= 1, "cancel({all:true})");
    await rejects(client.messages.get(ids[2]), 404, "cancelled by all");
  });

  await check("dlq.list-get-delete", async () => {
    const p = path("dead");
    const prev = respond;
    respond = (d) => (d.path === p ? { status: 500, headers: { "x-why": "boom" }, body: "broken" } : prev(d));
    try {
      const res = await client.publish({ url: sinkBase + p, body: "to the dlq", retries: 0, label: "dlq-label" });
      const entry = await until(async () => {
        const { messages } = await client.dlq.listMessages();
        return messages.find((m) => m.messageId === res.messageId);
      }, "the dead letter");
      eq(entry.responseStatus, 500, "responseStatus");
      eq(entry.responseBody, "broken", "responseBody");
      eq(entry.responseHeader["X-Why"], ["boom"], "responseHeader");
      eq(entry.label, "dlq-label", "label");
      eq(entry.body, "to the dlq", "body");
      assert(entry.dlqId && entry.dlqId !== entry.messageId, "dlqId distinct from messageId");
      eq(at(p)[0].verified, "ok", "signature");
      const page = await client.dlq.listMessages({ count: 100 });
      eq(page.cursor, undefined, "cursor omitted on the last page");
      await client.dlq.delete(entry.dlqId);
      await rejects(client.dlq.delete(entry.dlqId), 404, "delete twice");
    } finally {
      respond = prev;
    }
  });

  // Callbacks (issue #17): a new signed message to the callback URL after each attempt, with §10's body; the
  // failure callback once, after the final failure, with the dead letter's id.
  await check("callbacks", async () => {
    const ok = path("cb-src");
    const bad = path("cb-bad");
    const cb = path("cb");
    const fcb = path("fcb");
    const prev = respond;
    respond = (d) => (d.path === bad ? { status: 500, body: "broken" } : d.path === ok ? { status: 200, body: "fine" } : prev(d));
    try {
      const res = await client.publish({ url: sinkBase + ok, body: "src", callback: sinkBase + cb,
        failureCallback: sinkBase + fcb, delay: 1, headers: { "Upstash-Callback-Forward-X-Cb": "1" } });
      const m = await client.messages.get(res.messageId);
      eq([m.callback, m.failureCallback], [sinkBase + cb, sinkBase + fcb], "messages.get: callback fields");
      const [c] = await delivered(cb);
      eq(c.verified, "ok", "callback signature (sub = the callback URL)");
      eq(c.headers["x-cb"], "1", "Upstash-Callback-Forward-*");
      const body = JSON.parse(c.body.toString());
      eq([body.status, body.sourceMessageId, body.url, body.retried], [200, res.messageId, sinkBase + ok, 0], "callback body");
      eq(Buffer.from(body.body, "base64").toString(), "fine", "base64 response body");
      eq(Buffer.from(body.sourceBody, "base64").toString(), "src", "base64 source body");

      const dead = await client.publish({ url: sinkBase + bad, body: "x", retries: 0, failureCallback: sinkBase + fcb });
      const [f] = await delivered(fcb);
      eq(f.verified, "ok", "failure callback signature");
      const fb = JSON.parse(f.body.toString());
      eq([fb.status, fb.sourceMessageId, fb.retried, fb.maxRetries], [500, dead.messageId, 0, 0], "failure callback body");
      const { messages } = await client.dlq.listMessages({ filter: { messageId: dead.messageId } });
      eq(fb.dlqId, messages[0].dlqId, "dlqId");
      eq(at(fcb).length, 1, "the failure callback fires once");
    } finally {
      respond = prev;
    }
  });

  // Redaction (issue #17): the SDK's `redact` option hides the body and named headers in the API, never in
  // the delivery.
  await check("redaction", async () => {
    const p = path("redact");
    const sha = (s) => "REDACTED:" + createHash("sha256").update(s).digest("hex");
    const res = await client.publish({ url: sinkBase + p, body: "top-secret", delay: 1,
      headers: { authorization: "Bearer hidden", "x-plain": "shown" }, redact: { body: true, header: ["Authorization"] } });
    const m = await client.messages.get(res.messageId);
    eq(m.body, sha("top-secret"), "body redacted");
    eq(m.header["Authorization"], [sha("Bearer hidden")], "header redacted");
    eq(m.header["X-Plain"], ["shown"], "other headers shown");
    const [d] = await delivered(p);
    eq(d.body.toString(), "top-secret", "the destination gets the body");
    eq(d.headers["authorization"], "Bearer hidden", "and the header");
    eq(d.verified, "ok", "signature");
  });

  // The DLQ's filters and bulk delete (issue #17): the official client finds a dead letter by its message id.
  await check("dlq.filters", async () => {
    const p1 = path("dlqf");
    const p2 = path("dlqf");
    const label = `dlqf-${runId}-${++seq}`;
    const prev = respond;
    respond = (d) => (d.path === p1 ? { status: 500 } : d.path === p2 ? { status: 502 } : prev(d));
    try {
      const a = await client.publish({ url: sinkBase + p1, body: "a", retries: 0, label });
      const b = await client.publish({ url: sinkBase + p2, body: "b", retries: 0, label });
      const byId = await until(async () => {
        const { messages } = await client.dlq.listMessages({ filter: { messageId: a.messageId } });
        return messages.length === 1 && messages;
      }, "the dead letter by messageId");
      eq(byId[0].messageId, a.messageId, "filter messageId");
      await until(async () => (await client.dlq.listMessages({ filter: { label } })).messages.length === 2, "both by label");
      const by502 = await client.dlq.listMessages({ filter: { label, responseStatus: 502 } });
      eq(by502.messages.map((m) => m.messageId), [b.messageId], "label and responseStatus");
      const byUrl = await client.dlq.listMessages({ filter: { url: sinkBase + p1 } });
      eq(byUrl.messages.map((m) => m.messageId), [a.messageId], "filter url");
      await rejects(client.dlq.listMessages({ filter: { labeel: "x" } }), 400, "unknown filter");
      const one = await client.dlq.delete({ filter: { label }, count: 1 });
      eq(one.deleted, 1, "count=1 deletes one");
      const rest = await client.dlq.delete({ filter: { label } });
      eq(rest.deleted, 1, "the other");
      const none = await client.dlq.delete({ filter: { label } });
      eq([none.deleted, none.cursor], [0, undefined], "nothing left: deleted 0, no cursor");
    } finally {
      respond = prev;
    }
  });

  await check("dlq.retry", async () => {
    const p = path("dlqr");
    let fail = true;
    const prev = respond;
    respond = (d) => (d.path === p ? { status: fail ? 500 : 200 } : prev(d));
    try {
      const res = await client.publish({ url: sinkBase + p, body: "again", retries: 0 });
      const dead = await until(async () => {
        const { messages } = await client.dlq.listMessages({ filter: { messageId: res.messageId } });
        return messages[0];
      }, "the dead letter");
      fail = false;
      const out = await client.dlq.retry(dead.dlqId);
      eq(out.responses.length, 1, "one response");
      const newId = out.responses[0].messageId;
      assert(newId.startsWith("msg_") && newId !== res.messageId, "a new message id");
      eq(out.cursor, undefined, "no cursor when ids were given");
      const [, again] = await delivered(p, 2);
      eq(again.headers["upstash-message-id"], newId, "the new message delivered");
      eq(again.body.toString(), "again", "same body");
      eq(again.verified, "ok", "signature");
      await rejects(client.dlq.delete(dead.dlqId), 404, "the dead letter left the DLQ");
    } finally {
      respond = prev;
    }
  });

  await check("queues.upsert-get-list", async () => {
    const [a, b] = [queueName("b-second"), queueName("a-first")];
    const started = Date.now();
    try {
      await client.queue({ queueName: a }).upsert({ parallelism: 2 });
      await client.queue({ queueName: b }).upsert({ parallelism: 1, paused: true });
      const q = await client.queue({ queueName: a }).get();
      eq(Object.keys(q).sort(), ["createdAt", "lag", "name", "parallelism", "paused", "updatedAt"], "queue keys");
      eq([q.name, q.parallelism, q.paused, q.lag], [a, 2, false, 0], "name, parallelism, paused, lag");
      assert(q.createdAt >= started - 1000 && q.createdAt <= Date.now() + 1000, `createdAt in ms (${q.createdAt})`);
      assert(q.updatedAt >= q.createdAt, "updatedAt >= createdAt");
      const all = await client.queue().list();
      const names = all.map((x) => x.name);
      eq(names, [...names].sort(), "list sorted by name");
      eq(all.find((x) => x.name === a), q, "list shows the same queue as get");
      const qb = all.find((x) => x.name === b);
      eq([qb?.parallelism, qb?.paused, qb?.lag], [1, true, 0], "the paused queue in the list");
      await sleep(5);
      await client.queue({ queueName: a }).upsert({ parallelism: 3, paused: true });
      const u = await client.queue({ queueName: a }).get();
      eq([u.parallelism, u.paused, u.createdAt], [3, true, q.createdAt], "upsert updates, createdAt kept");
      assert(u.updatedAt > q.updatedAt, `updatedAt moves on (${q.updatedAt} -> ${u.updatedAt})`);
    } finally {
      await dropQueue(a);
      await dropQueue(b);
    }
  });

  await check("queues.paused-lag-resume-in-order", async () => {
    const name = queueName("paused");
    const queue = client.queue({ queueName: name });
    const p = path("paused");
    try {
      await queue.upsert({ parallelism: 1, paused: true });
      const ids = [];
      for (const n of ["1", "2", "3"]) {
        const res = await queue.enqueue({ url: sinkBase + p, body: n, headers: { "content-type": "text/plain" } });
        eq(Object.keys(res).sort(), ["messageId", "url"], "enqueue response keys");
        eq(res.url, sinkBase + p, "url");
        ids.push(res.messageId);
      }
      await sleep(1000);
      eq(at(p).length, 0, "deliveries while paused");
      const q = await queue.get();
      eq([q.paused, q.lag], [true, 3], "paused, lag");
      await queue.resume();
      const ds = await delivered(p, 3);
      eq(ds.map((d) => d.body.toString()), ["1", "2", "3"], "bodies in enqueue order");
      eq(ds.map((d) => d.headers["upstash-message-id"]), ids, "message ids in enqueue order");
      ds.forEach((d) => eq(d.verified, "ok", "signature"));
      eq((await queue.get()).paused, false, "resumed");
      await until(async () => (await queue.get()).lag === 0, "lag 0 once delivered");
      // pause() on a running queue holds a new message back until resume()
      await queue.pause();
      eq((await queue.get()).paused, true, "paused by pause()");
      await queue.enqueue({ url: sinkBase + p, body: "4" });
      await sleep(500);
      eq(at(p).length, 3, "deliveries after pause()");
      await queue.resume();
      const [, , , d4] = await delivered(p, 4);
      eq(d4.body.toString(), "4", "the held message, after resume()");
      eq(d4.verified, "ok", "signature");
    } finally {
      await dropQueue(name);
    }
  });

  await check("queues.enqueue-json-auto-creates", async () => {
    const name = queueName("auto");
    const queue = client.queue({ queueName: name });
    const p = path("auto");
    try {
      await rejects(queue.get(), 404, "get before the first enqueue");
      const res = await queue.enqueueJSON({
        url: sinkBase + p, body: { n: 1 }, delay: 1, retries: 1, headers: { "x-custom": "queued" },
      });
      eq(Object.keys(res).sort(), ["messageId", "url"], "response keys");
      assert(res.messageId.startsWith("msg_"), "messageId");
      eq(res.url, sinkBase + p, "url");
      const q = await queue.get();
      eq([q.name, q.parallelism, q.paused], [name, 1, false], "auto-created with parallelism 1, running");
      assert((await client.queue().list()).some((x) => x.name === name), "in the list");
      const m = await client.messages.get(res.messageId);
      eq(m.queueName, name, "messages.get: queueName");
      eq(m.maxRetries, 1, "messages.get: maxRetries");
      eq(m.body, '{"n":1}', "messages.get: body");
      const [d] = await delivered(p);
      eq(JSON.parse(d.body.toString()), { n: 1 }, "body");
      eq(d.headers["content-type"], "application/json", "content-type");
      eq(d.headers["x-custom"], "queued", "forwarded header");
      eq(d.headers["upstash-message-id"], res.messageId, "Upstash-Message-Id");
      eq(d.verified, "ok", "signature");
    } finally {
      await dropQueue(name);
    }
  });

  // Parallelism 1: the next message starts only once the current one is done, retries included. The sink
  // answers each delivery after 30 ms and fails the first attempt of message 3 once.
  await check("queues.fifo-parallelism-1", async () => {
    const name = queueName("fifo");
    const queue = client.queue({ queueName: name });
    const p = path("fifo");
    const prev = respond;
    let inFlight = 0;
    let maxInFlight = 0;
    let failed3 = false;
    respond = async (d) => {
      if (d.path !== p) return prev(d);
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      await sleep(30);
      inFlight--;
      if (d.body.toString() === "3" && !failed3) {
        failed3 = true;
        return { status: 500 };
      }
      return { status: 200 };
    };
    try {
      await queue.upsert({ parallelism: 1 });
      const sent = [];
      for (let i = 1; i <= 10; i++) {
        await queue.enqueue({ url: sinkBase + p, body: String(i), retries: 2, retryDelay: "100" });
        sent.push(String(i));
      }
      const ds = await delivered(p, 11);
      eq(ds.map((d) => d.body.toString()), ["1", "2", "3", ...sent.slice(2)], "delivery order (3 retried in place)");
      eq(ds.filter((d) => d.body.toString() === "3").map((d) => d.headers["upstash-retried"]), ["0", "1"],
        "Upstash-Retried of message 3");
      eq(maxInFlight, 1, "deliveries in flight at once");
      ds.forEach((d) => eq(d.verified, "ok", "signature"));
      await sleep(100);
      eq(at(p).length, 11, "no extra deliveries");
    } finally {
      respond = prev;
      await dropQueue(name);
    }
  });

  await check("queues.delete", async () => {
    const name = queueName("gone");
    const queue = client.queue({ queueName: name });
    try {
      await queue.upsert({ parallelism: 1 });
      assert((await client.queue().list()).some((x) => x.name === name), "listed before delete");
      await queue.delete();
      assert(!(await client.queue().list()).some((x) => x.name === name), "not listed after delete");
      await rejects(queue.get(), 404, "get after delete");
      await rejects(queue.delete(), 404, "delete twice");
      await rejects(queue.pause(), 404, "pause an unknown queue");
      await rejects(queue.resume(), 404, "resume an unknown queue");
    } finally {
      await dropQueue(name);
    }
  });

  await check("queues.invalid-name-400", async () => {
    const e = await rejects(client.queue({ queueName: "bad name!" }).upsert({ parallelism: 1 }), 400,
      "upsert with an invalid name");
    assert(/invalid queue name/.test(e.message), `message: ${e.message}`);
    await rejects(client.queue({ queueName: "bad*name" }).enqueue({ url: sinkBase + "/never", body: "x" }), 400,
      "enqueue to an invalid name");
    assert(!(await client.queue().list()).some((x) => /bad/.test(x.name)), "nothing created");
  });

  await check("queues.parallelism-above-max-412", async () => {
    const name = queueName("wide");
    try {
      await rejects(client.queue({ queueName: name }).upsert({ parallelism: 1001 }), 412, "parallelism 1001 (max 1000)");
      await rejects(client.queue({ queueName: name }).get(), 404, "not created");
    } finally {
      await dropQueue(name);
    }
  });

  await check("errors.bad-token-401", async () => {
    const bad = new Client({ baseUrl, token: "not-the-token", retry: false });
    await rejects(bad.publish({ url: sinkBase + "/never", body: "x" }), 401, "publish with a bad token");
  });

  // Token rotation (auth.tokens): a second configured token works through the SDK like the first, and the
  // delivery is signed the same. ConformanceIT starts Courier with COURIER_AUTH_TOKENS and passes it on.
  if (process.env.COURIER_SECOND_TOKEN) {
    await check("auth.second-token", async () => {
      const rotated = new Client({ baseUrl, token: process.env.COURIER_SECOND_TOKEN, retry: false });
      const p = path("second-token");
      const res = await rotated.publishJSON({ url: sinkBase + p, body: { rotated: true } });
      assert(res.messageId.startsWith("msg_"), "messageId");
      const [d] = await delivered(p);
      eq(d.verified, "ok", "signature");
      assert(Array.isArray(await rotated.queue().list()), "a GET with it lists the queues");
    });
  } else {
    pending("auth.second-token (COURIER_SECOND_TOKEN not set)");
  }

  // Both are answered before Courier reads the body (token first, then the declared Content-Length): the
  // SDK must still see the JSON error, not a reset connection, while it is sending the rest.
  await check("errors.bad-token-401-large-body", async () => {
    const bad = new Client({ baseUrl, token: "not-the-token", retry: false });
    const body = "x".repeat(900 * 1024);
    await rejects(bad.publish({ url: sinkBase + "/never", body }), 401, "900 KiB publish with a bad token");
    await rejects(bad.publish({ url: sinkBase + "/never", body }), 401, "the same, again (connection reused)");
  });

  await check("errors.body-too-large-413", async () => {
    const strict = new Client({ baseUrl, token, retry: false });
    const e = await rejects(strict.publish({ url: sinkBase + "/never", body: "x".repeat(1536 * 1024) }), 413,
      "1.5 MiB publish (limit 1 MiB)");
    assert(/too large/.test(e.message), `message: ${e.message}`);
    const ok = await strict.publish({ url: sinkBase + path("after-413"), body: "small" });
    assert(ok.messageId, "a publish right after the 413 is accepted");
  });

  await check("errors.invalid-scheme-400", async () => {
    const e = await rejects(client.publish({ url: "ftp://example.com/x", body: "x" }), 400, "ftp destination");
    assert(/invalid scheme/.test(e.message), `message: ${e.message}`);
  });

  await check("dev.publish-verified-with-dev-keys", () => {
    const port = process.env.COURIER_DEV_PORT;
    assert(port, "COURIER_DEV_PORT is not set: start Courier with --dev and give its port");
    const env = { ...process.env, QSTASH_DEV: "true", QSTASH_DEV_PORT: port };
    for (const k of ["QSTASH_URL", "QSTASH_TOKEN", "QSTASH_CURRENT_SIGNING_KEY", "QSTASH_NEXT_SIGNING_KEY"]) delete env[k];
    const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), "--dev"], { env, encoding: "utf8", timeout: 60000 });
    assert(child.status === 0, `dev-mode run failed:\n${child.stdout}${child.stderr}`);
    assert(/^1 passed, 0 failed$/m.test(child.stdout), `dev-mode run: ${child.stdout}`);
  });

  // Flow control (qstash-api.md §16): keys are made by their messages; every key of this run is new.
  const flowKey = (name) => `conf.${runId}:${name}-${++seq}`;
  const flowFields = ["flowControlKey", "isPaused", "isPinnedParallelism", "isPinnedRate", "parallelismCount",
    "parallelismMax", "rateCount", "rateMax", "ratePeriod", "ratePeriodStart", "waitListSize"];

  await check("flow-control.publish-and-messages.get", async () => {
    const key = flowKey("echo");
    const res = await client.publishJSON({
      url: sinkBase + path("fc-echo"), body: { n: 1 }, delay: 3600,
      flowControl: { key, parallelism: 2, rate: 5, period: "1m" },
    });
    try {
      const m = await client.messages.get(res.messageId);
      eq([m.flowControlKey, m.parallelism, m.rate, m.period], [key, 2, 5, 60], "messages.get: key, limits, period in s");
      const f = await client.flowControl.get(key);
      eq(Object.keys(f).sort(), flowFields, "flowControl.get keys");
      for (const k of flowFields.slice(1)) assert(["number", "boolean"].includes(typeof f[k]), `${k} is ${typeof f[k]}`);
      eq([f.flowControlKey, f.parallelismMax, f.rateMax, f.ratePeriod, f.isPaused], [key, 2, 5, 60, false],
        "the key as its message configured it");
      await rejects(client.flowControl.get(flowKey("never")), 404, "an unknown key");
    } finally {
      await client.messages.cancel(res.messageId);
    }
  });

  await check("flow-control.rate-spreads-starts", async () => {
    const key = flowKey("rate");
    const p = path("fc-rate");
    const started = Date.now();
    for (let i = 0; i < 4; i++) {
      await client.publish({ url: sinkBase + p, body: String(i), flowControl: { key, rate: 2, period: 1 } });
    }
    const ds = await delivered(p, 4);
    const times = ds.map((d) => d.at).sort((x, y) => x - y);
    assert(times[2] - started >= 1000, `the third start waits for the second window (${times[2] - started} ms)`);
    ds.forEach((d) => eq(d.verified, "ok", "signature"));
  });

  await check("flow-control.pause-resume-waitlist", async () => {
    const key = flowKey("held");
    const p = path("fc-held");
    await client.publish({ url: sinkBase + p, body: "0", flowControl: { key, parallelism: 1 } });
    await delivered(p, 1);
    await client.flowControl.pause(key);
    for (const n of ["1", "2"]) {
      await client.publish({ url: sinkBase + p, body: n, flowControl: { key, parallelism: 1 } });
    }
    const f = await client.flowControl.get(key);
    eq([f.isPaused, f.waitListSize], [true, 2], "paused, two waiting");
    const plain = path("fc-plain");
    await client.publish({ url: sinkBase + plain, body: "p" });
    await delivered(plain);
    eq(at(p).length, 1, "nothing of the paused key delivered meanwhile");
    await client.flowControl.resume(key);
    const ds = await delivered(p, 3);
    eq(ds.map((d) => d.body.toString()), ["0", "1", "2"], "the waitlist, in order");
    await until(async () => (await client.flowControl.get(key)).waitListSize === 0, "an empty waitlist");
  });

  await check("flow-control.pin-unpin-reset-rate", async () => {
    const key = flowKey("pin");
    const res = await client.publish({ url: sinkBase + path("fc-pin"), body: "x", delay: 3600,
      flowControl: { key, parallelism: 1, rate: 1 } });
    try {
      await client.flowControl.pin(key, { parallelism: 3, rate: 10, period: 60 });
      let f = await client.flowControl.get(key);
      eq([f.parallelismMax, f.rateMax, f.ratePeriod, f.isPinnedParallelism, f.isPinnedRate, f.rateCount],
        [3, 10, 60, true, true, 0], "pinned values, rate state reset");
      const again = await client.publish({ url: sinkBase + path("fc-pin"), body: "y", delay: 3600,
        flowControl: { key, parallelism: 1, rate: 1 } });
      await client.messages.cancel(again.messageId);
      f = await client.flowControl.get(key);
      eq([f.parallelismMax, f.rateMax], [3, 10], "a message does not change pinned limits");
      await client.flowControl.unpin(key, { parallelism: true, rate: true });
      f = await client.flowControl.get(key);
      eq([f.isPinnedParallelism, f.isPinnedRate], [false, false], "unpinned");
      const before = f.ratePeriodStart;
      await client.flowControl.resetRate(key);
      f = await client.flowControl.get(key);
      eq(f.rateCount, 0, "rateCount after resetRate");
      assert(f.ratePeriodStart >= before && f.ratePeriodStart >= Math.floor(Date.now() / 1000) - 5,
        `a new period from now (${f.ratePeriodStart})`);
      await rejects(client.flowControl.pause(flowKey("never")), 404, "pause of an unknown key");
    } finally {
      await client.messages.cancel(res.messageId);
    }
  });

  await check("flow-control.global-parallelism", async () => {
    const g = await client.flowControl.getGlobalParallelism();
    eq(Object.keys(g).sort(), ["parallelismCount", "parallelismMax"], "keys");
    assert(g.parallelismMax > 0 && g.parallelismCount >= 0 && g.parallelismCount <= g.parallelismMax,
      `parallelismMax ${g.parallelismMax}, parallelismCount ${g.parallelismCount}`);
  });

  await check("keys.get", async () => {
    const r = await fetch(`${baseUrl}/v2/keys`, { headers: { authorization: `Bearer ${token}` } });
    eq(r.status, 200, "status");
    eq(await r.json(), { current: process.env.QSTASH_CURRENT_SIGNING_KEY, next: process.env.QSTASH_NEXT_SIGNING_KEY },
      "the keys the Receiver holds");
  });

  // URL groups (issue #16): the group's shape is exactly {name,url} / {url} per endpoint.
  await check("url-groups", async () => {
    const name = `conf-${runId}-grp-${++seq}`;
    const a = sinkBase + path("grp-a");
    const b = sinkBase + path("grp-b");
    try {
      await client.urlGroups.addEndpoints({ name, endpoints: [{ name: "a", url: a }, { url: b }] });
      const g = await client.urlGroups.get(name);
      eq(g.name, name, "name");
      eq(g.endpoints, [{ name: "a", url: a }, { url: b }], "endpoints");
      assert(typeof g.createdAt === "number" && typeof g.updatedAt === "number", "times");
      assert((await client.urlGroups.list()).some((x) => x.name === name), "in the list");
      await client.urlGroups.removeEndpoints({ name, endpoints: [{ url: b }] });
      eq((await client.urlGroups.get(name)).endpoints, [{ name: "a", url: a }], "after removing by url");
      await client.urlGroups.removeEndpoints({ name, endpoints: [{ name: "a" }] });
      await rejects(client.urlGroups.get(name), 404, "removing the last endpoint deletes the group");
      await client.urlGroups.addEndpoints({ name, endpoints: [{ url: a }] });
      await client.urlGroups.delete(name);
      await rejects(client.urlGroups.get(name), 404, "get after delete");
    } finally {
      await client.urlGroups.delete(name).catch(() => {});
    }
  });

  await check("publish.url-group", async () => {
    const name = `conf-${runId}-fan-${++seq}`;
    const pa = path("fan-a");
    const pb = path("fan-b");
    try {
      await client.urlGroups.addEndpoints({ name, endpoints: [{ name: "ea", url: sinkBase + pa }, { url: sinkBase + pb }] });
      const res = await client.publishJSON({ urlGroup: name, body: { fan: true }, delay: 1 });
      assert(Array.isArray(res) && res.length === 2, `an array of 2: ${JSON.stringify(res)}`);
      eq(res.map((r) => r.url), [sinkBase + pa, sinkBase + pb], "urls");
      assert(res[0].messageId !== res[1].messageId, "one id per endpoint");
      const m = await client.messages.get(res[0].messageId);
      eq([m.topicName, m.endpointName, m.url], [name, "ea", sinkBase + pa], "messages.get: group fields");
      const [da] = await delivered(pa);
      const [db] = await delivered(pb);
      for (const [d, r] of [[da, res[0]], [db, res[1]]]) {
        eq(d.headers["upstash-topic-name"], name, "Upstash-Topic-Name");
        eq(d.headers["upstash-message-id"], r.messageId, "Upstash-Message-Id");
        eq(d.verified, "ok", "signature (sub = the endpoint's URL)");
        eq(JSON.parse(d.body.toString()), { fan: true }, "body");
      }
    } finally {
      await client.urlGroups.delete(name).catch(() => {});
    }
  });

  await check("batchJSON", async () => {
    const group = `conf-${runId}-bgrp-${++seq}`;
    const queue = queueName("batch");
    const p1 = path("batch-1");
    const pg = path("batch-g");
    const pq = path("batch-q");
    try {
      await client.urlGroups.addEndpoints({ name: group, endpoints: [{ url: sinkBase + pg }] });
      const res = await client.batchJSON([
        { url: sinkBase + p1, body: { i: 1 }, headers: { "x-batch": "one" } },
        { urlGroup: group, body: { i: 2 } },
        { url: sinkBase + pq, body: { i: 3 }, queueName: queue },
      ]);
      eq(res.length, 3, "one answer per item");
      eq(res[0].url, sinkBase + p1, "item 1 url");
      assert(Array.isArray(res[1]) && res[1][0].url === sinkBase + pg, `a group item is a nested array: ${JSON.stringify(res[1])}`);
      const [d1] = await delivered(p1);
      eq(d1.headers["x-batch"], "one", "forwarded header");
      eq(JSON.parse(d1.body.toString()), { i: 1 }, "body");
      eq(d1.verified, "ok", "signature");
      const [dg] = await delivered(pg);
      eq(dg.headers["upstash-topic-name"], group, "Upstash-Topic-Name");
      const [dq] = await delivered(pq);
      eq(JSON.parse(dq.body.toString()), { i: 3 }, "queued body");
      eq((await client.queue({ queueName: queue }).get()).name, queue, "the queue item created its queue");
    } finally {
      await client.urlGroups.delete(group).catch(() => {});
      await dropQueue(queue);
    }
  });

  await check("batch", async () => {
    const p1 = path("batch-text");
    const res = await client.batch([{ url: sinkBase + p1, body: "plain text", headers: { "content-type": "text/plain" } }]);
    eq(res.length, 1, "an array even for one item");
    assert(res[0].messageId.startsWith("msg_"), "messageId");
    const [d] = await delivered(p1);
    eq(d.body.toString(), "plain text", "body");
    eq(d.headers["content-type"], "text/plain", "content-type");
  });

  // Schedules (issue #19): every call of client.schedules, an overwrite, and one real fire. A `* * * * *` cron
  // fires at the next minute, so this check waits up to about a minute for it.
  await check("schedules", async () => {
    const p = path("sched");
    const id = `conf-${runId}-sched-${++seq}`;
    try {
      const res = await client.schedules.create({
        destination: sinkBase + p, cron: "* * * * * ", scheduleId: id, method: "PUT", retries: 2,
        body: JSON.stringify({ s: 1 }), headers: { "x-sched": "yes" }, label: "conf",
      });
      eq(res.scheduleId, id, "scheduleId");
      const s = await client.schedules.get(id);
      eq([s.scheduleId, s.cron, s.destination, s.method, s.retries, s.isPaused, s.label],
        [id, "* * * * *", sinkBase + p, "PUT", 2, false, "conf"], "schedule fields");
      eq(s.header["X-Sched"], ["yes"], "forwarded header");
      eq(s.body, JSON.stringify({ s: 1 }), "body");
      assert(s.nextScheduleTime > Date.now() - 1000 && s.createdAt > 0, `times: ${JSON.stringify(s)}`);
      eq((await client.schedules.list()).filter((x) => x.scheduleId === id).length, 1, "listed once");
      await client.schedules.pause({ schedule: id });
      eq((await client.schedules.get(id)).isPaused, true, "paused");
      await client.schedules.resume({ schedule: id });
      eq((await client.schedules.get(id)).isPaused, false, "resumed");
      const [d] = await until(() => at(p).length >= 1 && at(p), "the schedule's fire", 75000);
      eq(d.method, "PUT", "method");
      eq(d.headers["upstash-schedule-id"], id, "Upstash-Schedule-Id");
      eq(d.headers["x-sched"], "yes", "forwarded header delivered");
      eq(d.body.toString(), JSON.stringify({ s: 1 }), "delivered body");
      eq(d.verified, "ok", "signature");
      const fired = await until(async () => {
        const x = await client.schedules.get(id);
        return x.lastScheduleStates && x;
      }, "the fire's state");
      assert(fired.lastScheduleTime > 0, "lastScheduleTime");
      await client.schedules.create({ destination: sinkBase + p, cron: "0 0 1 1 *", scheduleId: id });
      const o = await client.schedules.get(id);
      eq([o.cron, o.body, o.retries, o.label], ["0 0 1 1 *", undefined, 3, undefined], "an overwrite clears what it omits");
      await client.schedules.delete(id);
      await rejects(client.schedules.get(id), 404, "get after delete");
    } finally {
      await client.schedules.delete(id).catch(() => {});
    }
  });

  // Surfaces of the official client that Courier does not offer yet: listed, never silently absent.
  for (const name of [
  ]) {
    pending(name);
  }

  // The event log (issue #18): the official client's logs() reads /v2/events with its filters and cursor.
  await check("logs", async () => {
    const p = path("logs");
    const res = await client.publish({ url: sinkBase + p, body: "logged", label: "conf-log" });
    await delivered(p);
    const byId = { filter: { messageId: res.messageId } };
    const states = await until(async () => {
      const { logs } = await client.logs(byId);
      return logs.some((l) => l.state === "DELIVERED") && logs.map((l) => l.state);
    }, "DELIVERED in the log");
    eq(states, ["DELIVERED", "ACTIVE", "CREATED"], "states, newest first");
    const { logs } = await client.logs({ filter: { messageId: res.messageId, state: "DELIVERED" } });
    eq(logs.length, 1, "state filter");
    eq([logs[0].messageId, logs[0].url, logs[0].label], [res.messageId, sinkBase + p, "conf-log"], "entry fields");
    eq(Buffer.from(logs[0].body, "base64").toString(), "logged", "base64 body");
    const { logs: labelled } = await client.logs({ filter: { label: "conf-log" } });
    eq(labelled.length, 3, "label filter");
    const first = await client.logs({ count: 1, ...byId });
    assert(first.cursor, "a cursor when more entries follow");
    const rest = await client.logs({ count: 5, cursor: first.cursor, ...byId });
    eq(rest.logs.map((l) => l.state), ["ACTIVE", "CREATED"], "the next page");
    eq(rest.cursor, undefined, "no cursor on the last page");
    await rejects(client.logs({ filter: { stat: "DELIVERED" } }), 400, "an unknown filter");
  });

  await check("every-delivery-verified", async () => {
    assert(deliveries.length > 0, "no deliveries");
    const bad = deliveries.filter((d) => d.verified !== "ok");
    eq(bad.map((d) => `${d.path}: ${d.verified}`), [], "unverified deliveries");
  });

  // docs/compatibility.md may mark as supported only what a check here proves and passed.
  await check("compatibility-page-matches-the-suite", () => {
    const page = readFileSync(new URL("../docs/compatibility.md", import.meta.url), "utf8");
    const passed = new Set(results.filter((r) => r.ok).map((r) => r.name));
    const known = new Set(results.map((r) => r.name));
    const problems = [];
    for (const line of page.split("\n")) {
      const cells = line.split("|").map((c) => c.trim());
      if (cells.length < 5 || !/^supported$/i.test(cells[2])) continue;
      const names = cells[3].replace(/`/g, "").split(",").map((s) => s.trim()).filter(Boolean);
      if (names.length === 0) problems.push(`${cells[1]}: supported without a check`);
      for (const n of names) {
        if (!known.has(n)) problems.push(`${cells[1]}: unknown check ${n}`);
        else if (!passed.has(n)) problems.push(`${cells[1]}: check ${n} did not pass`);
      }
    }
    eq(problems, [], "compatibility page");
  });
}

sink.close();
const passed = results.filter((r) => r.ok).length;
const failed = results.filter((r) => r.ok === false).length;
const pendingCount = results.filter((r) => r.pending).length;
console.log(`${pendingCount} pending`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
