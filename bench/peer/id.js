#!/usr/bin/env node
'use strict';
// Peer runner for `posylka id --json`: one input line in, one JSON line out.
// Calls ts-tracking-number's getTracking() on the line as given (the peer
// strips non-alphanumerics itself); no extra normalisation is added, so the
// output reflects what the peer recognises on its own.
const readline = require('readline');
const { loadPeer, makeWriter } = require('./common');

const { getTracking } = loadPeer();
const out = makeWriter();

async function main() {
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of rl) {
    const t = getTracking(line);
    const rec = t
      ? { input: line, number: t.trackingNumber, valid: true, courier: t.courier.code, format: t.name }
      : { input: line, number: null, valid: false, courier: null, format: null };
    const w = out.write(JSON.stringify(rec) + '\n');
    if (w) await w;
  }
  await out.flush();
}

main().catch((err) => {
  process.stderr.write(`${err.stack || err}\n`);
  process.exit(1);
});
