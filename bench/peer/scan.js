#!/usr/bin/env node
'use strict';
// Peer runner for `posylka scan --json`: prints one JSON line per tracking
// number ts-tracking-number's findTracking() finds in the text on stdin.
//
// findTracking() takes a whole string and has no streaming form; its
// de-duplication step is quadratic in the number of candidate matches, so
// calling it once on megabytes would be unfair to it. The runner therefore
// splits the stream into messages (lines starting "From ", the mbox
// convention gen_inputs.py follows) and calls it once per message, which is
// how a mail-processing user would call it. The peer returns no offsets, so
// "message" (0-based message index) stands in for one.
const { loadPeer, makeWriter } = require('./common');

const { findTracking } = loadPeer();
const out = makeWriter();

let carry = '';
let index = 0;

async function emitMessage(msg) {
  const hits = findTracking(msg);
  for (const t of hits) {
    const w = out.write(JSON.stringify({ number: t.trackingNumber, courier: t.courier.code,
      format: t.name, message: index }) + '\n');
    if (w) await w;
  }
  index += 1;
}

async function main() {
  process.stdin.setEncoding('utf8');
  for await (const chunk of process.stdin) {
    carry += chunk;
    // Cut at the last message boundary seen; keep the tail for later.
    let start = 0;
    let cut;
    while ((cut = carry.indexOf('\nFrom ', start)) !== -1) {
      await emitMessage(carry.slice(start, cut + 1));
      start = cut + 1;
    }
    carry = carry.slice(start);
  }
  if (carry.length > 0) await emitMessage(carry);
  await out.flush();
}

main().catch((err) => {
  process.stderr.write(`${err.stack || err}\n`);
  process.exit(1);
});
