// Unit tests of peerpulse-probe.js without a browser: `node --test browser/peerpulse-probe.test.mjs`
// (Node.js 20+, node:test and node:assert only). Run by webrtc-adapter's BrowserProbeNodeTest in `mvn verify`.
//
// The RTCPeerConnection and its data channel are fakes; performance.now() / performance.timeOrigin are
// stubbed with a controllable clock and setTimeout / setInterval are node:test's mock timers, so every
// round trip, hold time and timeout below is exact. Wire bytes follow docs/PROBE-PROTOCOL.md.

import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_CHANNEL_ID, LABEL, MAX_TRUSTED_HOLD_NS, PEER_PING_BURST, PEER_PING_RATE, PROTOCOL_VERSION, openProbe,
} from './peerpulse-probe.js';

// ---------------------------------------------------------------------------------------------------
// Fakes

/** A data channel as the module uses one: onmessage / onclose (and addEventListener, should it switch). */
class FakeChannel {
  constructor(label, init) {
    this.label = label;
    this.init = init;
    this.binaryType = 'blob'; // the browser default; the module must set 'arraybuffer'
    this.readyState = 'open';
    this.sent = []; // Uint8Array copies of every message sent
    this.closeCalls = 0;
    this.onmessage = null;
    this.onclose = null;
    this.onopen = null;
    this.listeners = new Map();
    this.throwOnSend = false;
  }

  send(data) {
    if (this.readyState !== 'open' || this.throwOnSend) {
      throw new Error('InvalidStateError: RTCDataChannel.readyState is not \'open\'');
    }
    if (data instanceof ArrayBuffer) {
      this.sent.push(new Uint8Array(data.slice(0)));
    } else if (ArrayBuffer.isView(data)) {
      this.sent.push(new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)));
    } else {
      this.sent.push(data); // a string: the probe never sends one (asserted where it matters)
    }
  }

  close() {
    this.closeCalls++;
    if (this.readyState === 'closed') {
      return;
    }
    this.readyState = 'closed';
    this.dispatch('close', {}); // a browser fires it asynchronously; the probe copes with either
  }

  addEventListener(type, listener) {
    if (!this.listeners.has(type)) {
      this.listeners.set(type, []);
    }
    this.listeners.get(type).push(listener);
  }

  removeEventListener(type, listener) {
    const list = this.listeners.get(type) || [];
    const i = list.indexOf(listener);
    if (i >= 0) {
      list.splice(i, 1);
    }
  }

  dispatch(type, event) {
    const handler = this['on' + type];
    if (typeof handler === 'function') {
      handler.call(this, event);
    }
    for (const listener of this.listeners.get(type) || []) {
      listener.call(this, event);
    }
  }

  /** Delivers a message from the peer, as the browser would (a MessageEvent's `data`). */
  deliver(data) {
    this.dispatch('message', { data });
  }

  /** The channel opens (e.g. the SCTP association came up). */
  open() {
    this.readyState = 'open';
    this.dispatch('open', {});
  }

  lastSent() {
    return this.sent[this.sent.length - 1];
  }
}

class FakePeerConnection {
  constructor(channelState = 'open') {
    this.channels = [];
    this.channelState = channelState;
  }

  createDataChannel(label, init) {
    const channel = new FakeChannel(label, init);
    channel.readyState = this.channelState;
    this.channels.push(channel);
    return channel;
  }
}

// ---------------------------------------------------------------------------------------------------
// Clock: performance.now() and performance.timeOrigin

/** 1 700 000 000 000 ms: performance.now() = 0 is the worked example's t1 = 1 700 000 000 000 000 µs. */
const TIME_ORIGIN_MS = 1_700_000_000_000;
const clock = {
  now: 0,
  /** Scripted readings, consumed one per performance.now() call before `now` is used. */
  script: [],
  read() {
    if (this.script.length > 0) {
      this.now = this.script.shift();
    }
    return this.now;
  },
};

beforeEach(() => {
  clock.now = 0;
  clock.script = [];
  performance.now = () => clock.read();
  Object.defineProperty(performance, 'timeOrigin', { value: TIME_ORIGIN_MS, configurable: true });
  mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
  // the per-ping secret in t1 is 0 here, so that t1 is the clock; the test of the secret sets its own
  mock.method(globalThis.crypto, 'getRandomValues', (array) => array.fill(0));
});

afterEach(() => {
  mock.timers.reset();
  mock.restoreAll();
  delete performance.now; // the prototype's own methods again
  delete performance.timeOrigin;
  delete globalThis.document; // tests that set one: a page's visibility
});

// ---------------------------------------------------------------------------------------------------
// Wire helpers (written from docs/PROBE-PROTOCOL.md, independently of the module)

function hex(bytes) {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(' ');
}

function fromHex(text) {
  return new Uint8Array(text.trim().split(/\s+/).map((h) => parseInt(h, 16))).buffer;
}

function ping(sequence, t1, { version = 1, reserved = 0 } = {}) {
  const view = new DataView(new ArrayBuffer(16));
  view.setUint8(0, version);
  view.setUint8(1, 1);
  view.setUint16(2, reserved);
  view.setUint32(4, sequence);
  view.setBigInt64(8, BigInt(t1));
  return view.buffer;
}

function pong(sequence, t1, t2, holdNs, { version = 1 } = {}) {
  const view = new DataView(new ArrayBuffer(28));
  view.setUint8(0, version);
  view.setUint8(1, 2);
  view.setUint16(2, 0);
  view.setUint32(4, sequence);
  view.setBigInt64(8, BigInt(t1));
  view.setBigInt64(16, BigInt(t2));
  view.setUint32(24, holdNs);
  return view.buffer;
}

function decode(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const message = {
    length: bytes.byteLength,
    version: view.getUint8(0),
    type: view.getUint8(1),
    reserved: view.getUint16(2),
    sequence: view.getUint32(4),
    t1: view.getBigInt64(8),
  };
  if (bytes.byteLength === 28) {
    message.t2 = view.getBigInt64(16);
    message.hold = view.getUint32(24);
  }
  return message;
}

function setup(options = {}, channelState = 'open') {
  const pc = new FakePeerConnection(channelState);
  const probe = openProbe(pc, options);
  assert.equal(pc.channels.length, 1, 'one channel');
  return { pc, probe, channel: pc.channels[0] };
}

/** The ping the probe sent last, decoded. */
function lastPing(channel) {
  const message = decode(channel.lastSent());
  assert.equal(message.type, 1, 'the last message sent is a PING');
  return message;
}

/**
 * Answers the probe's last ping: the pong arrives `rttMs + holdNs / 1e6` after the ping was sent, so the
 * probe measures `rttMs`. The peer's clock equals ours unless `peerAheadMs` says otherwise.
 */
function answerLastPing(channel, rttMs, { holdNs = 0, peerAheadMs = 0 } = {}) {
  const sent = lastPing(channel);
  const sentAtMs = Number(sent.t1) / 1000 - TIME_ORIGIN_MS;
  const holdMs = holdNs / 1e6;
  const t2 = Math.round((TIME_ORIGIN_MS + sentAtMs + rttMs / 2 + peerAheadMs) * 1000);
  clock.now = sentAtMs + rttMs + holdMs;
  channel.deliver(pong(sent.sequence, sent.t1, t2, holdNs));
}

// ---------------------------------------------------------------------------------------------------

describe('the channel', () => {
  test('is negotiated on id 1023, label peerpulse-probe, unordered, no retransmissions, binary', () => {
    const { channel } = setup();
    assert.equal(channel.label, 'peerpulse-probe');
    assert.equal(LABEL, 'peerpulse-probe');
    assert.equal(DEFAULT_CHANNEL_ID, 1023);
    assert.equal(PROTOCOL_VERSION, 1);
    assert.deepEqual(channel.init, { negotiated: true, id: 1023, ordered: false, maxRetransmits: 0 });
    assert.equal('maxPacketLifeTime' in channel.init, false, 'maxPacketLifeTime unset (both is an error)');
    assert.equal(channel.binaryType, 'arraybuffer');
    assert.deepEqual(channel.sent, [], 'nothing sent before start()');
  });

  test('refuses a pollInterval or pingTimeout beyond a timer\'s 2^31 − 1 ms, which would fire at once', () => {
    for (const options of [{ pollInterval: 2 ** 31 }, { pollInterval: 3e9 }, { pingTimeout: 2 ** 31 },
      { pollInterval: 2 ** 32 + 1000, pingTimeout: 800 }]) {
      const pc = new FakePeerConnection();
      assert.throws(() => openProbe(pc, options), (e) => e instanceof RangeError
          && e.message.startsWith(Object.keys(options)[0] + ' must be at most 2147483647 ms'), JSON.stringify(options));
      assert.equal(pc.channels.length, 0, JSON.stringify(options));
    }
    const { probe } = setup({ pollInterval: 2 ** 31 - 1, pingTimeout: 2 ** 31 - 1 }); // the longest still kept
    probe.start();
    mock.timers.tick(2 ** 31 - 2);
    assert.deepEqual([probe.counters().sent, probe.counters().inFlight], [1, 1]);
  });

  test('refuses a maxSamples or offsetWindow below 1, which would keep nothing', () => {
    for (const options of [{ maxSamples: 0.5 }, { offsetWindow: 0.999 }, { maxSamples: Number.MIN_VALUE }]) {
      const pc = new FakePeerConnection();
      assert.throws(() => openProbe(pc, options), (e) => e instanceof RangeError
          && e.message.startsWith(Object.keys(options)[0] + ' must be'), JSON.stringify(options));
      assert.equal(pc.channels.length, 0, JSON.stringify(options));
    }
    const { probe, channel } = setup({ maxSamples: 1.9, offsetWindow: 1.9 }); // rounded down to 1
    probe.start();
    answerLastPing(channel, 10);
    mock.timers.tick(1000);
    answerLastPing(channel, 12);
    const stats = probe.getStats();
    assert.deepEqual(stats.samples.map((s) => s.rttMs), [12]);
    assert.equal(stats.clockOffsetDelayMs, 12);
  });

  test('names the bad option and shows its value, a string quoted, anything else by its type', () => {
    for (const [options, message] of [
      [{ pollInterval: '1000' }, 'pollInterval must be a positive number: "1000"'],
      [{ maxSamples: Symbol('600') }, 'maxSamples must be a positive number: a symbol'],
      [{ pingTimeout: Object.create(null) }, 'pingTimeout must be a positive number: an object'],
      [{ offsetWindow: 64n }, 'offsetWindow must be a positive number: 64'],
      [{ pollInterval: null }, 'pollInterval must be a positive number: null'],
      [{ channelId: Symbol('1023') }, 'channelId must be an integer in 0..1023: a symbol'],
      [{ channelId: '3' }, 'channelId must be an integer in 0..1023: "3"']]) {
      assert.throws(() => openProbe(new FakePeerConnection(), options), { name: 'RangeError', message });
    }
  });

  test('uses the configured id', () => {
    for (const id of [0, 5, 1023]) {
      const { channel } = setup({ channelId: id });
      assert.equal(channel.init.id, id);
      assert.equal(channel.init.negotiated, true);
    }
  });

  test('refuses a bad id or bad options with a RangeError, before creating a channel', () => {
    for (const options of [{ channelId: 1024 }, { channelId: -1 }, { channelId: 1.5 }, { channelId: '3' },
      { pollInterval: 0 }, { pollInterval: -5 }, { pollInterval: NaN }, { pollInterval: Infinity },
      { pollInterval: '1000' }, { maxSamples: 0 }, { pingTimeout: -1 }, { offsetWindow: 0 }]) {
      const pc = new FakePeerConnection();
      assert.throws(() => openProbe(pc, options), RangeError, JSON.stringify(options));
      assert.equal(pc.channels.length, 0, JSON.stringify(options));
    }
  });

  test('refuses options that are not an object with a TypeError saying so, before creating a channel', () => {
    for (const [options, shown] of [[null, 'null'], [1000, '1000'], ['fast', '"fast"']]) {
      const pc = new FakePeerConnection();
      assert.throws(() => openProbe(pc, options),
        { name: 'TypeError', message: `options must be an object (or left out): ${shown}` });
      assert.equal(pc.channels.length, 0);
    }
  });
});

describe('the responder', () => {
  test('answers the worked example PING with the PONG the protocol describes', () => {
    const { probe, channel } = setup();
    // receive at 2.5 ms; the hold reading just before sending 1.5 µs later
    clock.script = [2.5, 2.5015];
    channel.deliver(fromHex('01 01 00 00 00 00 00 07 00 06 0A 24 18 1E 40 00'));
    assert.equal(channel.sent.length, 1);
    // t2 = 1 700 000 000 002 500 µs = 0x00060A24181E49C4, hold = 1500 ns = 0x000005DC
    assert.equal(hex(channel.sent[0]),
        '01 02 00 00 00 00 00 07 00 06 0A 24 18 1E 40 00 00 06 0A 24 18 1E 49 C4 00 00 05 DC');
    const message = decode(channel.sent[0]);
    assert.deepEqual(message, {
      length: 28, version: 1, type: 2, reserved: 0, sequence: 7,
      t1: 1_700_000_000_000_000n, t2: 1_700_000_000_002_500n, hold: 1500,
    });
    assert.equal(probe.counters().peerPingsAnswered, 1);
    assert.equal(probe.getStats(), null, 'answering is not a sample');
  });

  test('echoes any sequence and any t1 bit for bit, and ignores the reserved field', () => {
    const { probe, channel } = setup();
    clock.now = 10;
    const oddT1 = -0x7123456789ABCDEFn; // beyond Number precision: must be copied, not converted
    channel.deliver(ping(0xFFFFFFFF, oddT1, { reserved: 0xBEEF }));
    channel.deliver(ping(0, 0x7FFFFFFFFFFFFFFFn));
    assert.equal(channel.sent.length, 2);
    const first = decode(channel.sent[0]);
    assert.equal(first.sequence, 0xFFFFFFFF);
    assert.equal(first.t1, oddT1);
    assert.equal(first.reserved, 0, 'a pong is sent with reserved 0');
    assert.equal(first.t2, 1_700_000_000_010_000n);
    assert.equal(first.hold, 0);
    const second = decode(channel.sent[1]);
    assert.equal(second.sequence, 0);
    assert.equal(second.t1, 0x7FFFFFFFFFFFFFFFn);
    assert.equal(probe.counters().peerPingsAnswered, 2);
    assert.equal(probe.counters().malformed, 0);
  });

  test('saturates the hold at 4294967295 ns', () => {
    const { channel } = setup();
    clock.script = [0, 5000]; // held 5 s
    channel.deliver(ping(1, 123));
    assert.equal(decode(channel.sent[0]).hold, 0xFFFFFFFF);
  });

  test('answers before start(), after stop(), but not after close()', () => {
    const { probe, channel } = setup();
    channel.deliver(ping(1, 1));
    probe.start();
    probe.stop();
    channel.deliver(ping(2, 2));
    const pongs = channel.sent.map(decode).filter((m) => m.type === 2);
    assert.deepEqual(pongs.map((m) => m.sequence), [1, 2]);
    probe.close();
    const before = channel.sent.length;
    channel.readyState = 'open'; // even if a message still arrived
    channel.deliver(ping(3, 3));
    assert.equal(channel.sent.length, before);
    assert.equal(probe.counters().peerPingsAnswered, 2);
  });

  test('does not throw when the pong cannot be sent', () => {
    const { probe, channel } = setup();
    channel.throwOnSend = true;
    assert.doesNotThrow(() => channel.deliver(ping(1, 1)));
    assert.equal(probe.counters().peerPingsAnswered, 0);
  });
});

describe('the pinger', () => {
  test('sends the worked example PING for sequence 7 at t1 = 1 700 000 000 000 000 µs', () => {
    mock.method(Math, 'random', () => 7 / 2 ** 32);
    const { probe, channel } = setup();
    probe.start();
    assert.equal(channel.sent.length, 1);
    assert.equal(hex(channel.sent[0]), '01 01 00 00 00 00 00 07 00 06 0A 24 18 1E 40 00');
    assert.equal(probe.counters().sent, 1);
    assert.equal(probe.counters().inFlight, 1);
  });

  test('pings every pollInterval with consecutive sequences, wrapping at 2^32; start() is idempotent', () => {
    mock.method(Math, 'random', () => 0xFFFFFFFE / 2 ** 32);
    const { probe, channel } = setup({ pollInterval: 500, pingTimeout: 100 });
    probe.start();
    probe.start();
    assert.equal(channel.sent.length, 1, 'the first ping at once, once');
    mock.timers.tick(500);
    mock.timers.tick(500);
    assert.deepEqual(channel.sent.map((b) => decode(b).sequence), [0xFFFFFFFE, 0xFFFFFFFF, 0]);
    assert.ok(channel.sent.every((b) => b.byteLength === 16 && b[0] === 1 && b[1] === 1 && b[2] === 0 && b[3] === 0));
  });

  test('a matching PONG is a sample: round trip minus hold, rounded to 1 µs, with every getStats() key', () => {
    const { probe, channel } = setup();
    clock.now = 10;
    probe.start();
    const sent = lastPing(channel);
    assert.equal(sent.t1, 1_700_000_000_010_000n);
    // back 25.0123456 ms after sending, held 2 ms by the peer: 23.0123456 ms -> 23.012
    clock.now = 10 + 25.0123456;
    channel.deliver(pong(sent.sequence, sent.t1, 1_700_000_000_020_000n, 2_000_000));
    const stats = probe.getStats();
    assert.deepEqual(Object.keys(stats).sort(), [
      'answered', 'cappedHold', 'clockOffsetDelayMs', 'clockOffsetErrorBoundMs', 'clockOffsetMs', 'clockOffsetVerified',
      'inFlight', 'late', 'lossRatio', 'lost', 'malformed', 'maxHoldMs', 'maxMs', 'meanMs', 'medianMs', 'minMs',
      'peerPingsAnswered', 'peerPingsDropped', 'processedLate', 'sampleCount', 'samples', 'sent', 'state', 'unanswered', 'unknownVersion', 'unmatched'].sort());
    assert.equal(stats.sampleCount, 1);
    assert.equal(stats.minMs, 23.012);
    assert.equal(stats.maxMs, 23.012);
    assert.equal(stats.meanMs, 23.012);
    assert.equal(stats.medianMs, 23.012);
    assert.deepEqual(stats.samples, [{ timestamp: 1_700_000_000_035, rttMs: 23.012 }]);
    assert.equal(stats.sent, 1);
    assert.equal(stats.answered, 1);
    assert.equal(stats.lost, 0);
    assert.equal(stats.late, 0);
    assert.equal(stats.unanswered, 0);
    assert.equal(stats.malformed, 0);
    assert.equal(stats.unknownVersion, 0);
    assert.equal(stats.unmatched, 0);
    assert.equal(stats.inFlight, 0);
    assert.equal(stats.lossRatio, 0);
    // the timeout was cleared: nothing changes when it would have fired
    mock.timers.tick(800);
    assert.equal(probe.counters().lost + probe.counters().unanswered, 0);
  });

  test('rounds half a microsecond up and keeps exact values exact', () => {
    const { probe, channel } = setup({ pollInterval: 1000 });
    probe.start();
    answerLastPing(channel, 23.0127);
    mock.timers.tick(1000);
    answerLastPing(channel, 7, { holdNs: 1_234_567 });
    assert.deepEqual(probe.getStats().samples.map((s) => s.rttMs), [23.013, 7]);
  });

  test('estimates the clock offset (peer minus us) from the on-wire times', () => {
    const { probe, channel } = setup();
    clock.now = 10;
    probe.start();
    const sent = lastPing(channel);
    // 5 ms each way, held 2 ms, the peer's clock 100 ms ahead: t2 = t1 + 5 ms + 100 ms
    clock.now = 10 + 5 + 2 + 5;
    channel.deliver(pong(sent.sequence, sent.t1, sent.t1 + 105_000n, 2_000_000));
    const stats = probe.getStats();
    assert.equal(stats.samples[0].rttMs, 10);
    assert.equal(stats.clockOffsetMs, 100);
    assert.equal(stats.clockOffsetDelayMs, 10);
    assert.equal(stats.clockOffsetErrorBoundMs, 5.001);
  });

  test('the clock offset comes from the exchange with the lowest delay', () => {
    const { probe, channel } = setup({ pollInterval: 1000 });
    probe.start();
    answerLastPing(channel, 30, { peerAheadMs: -40 });
    mock.timers.tick(1000);
    answerLastPing(channel, 4, { peerAheadMs: 250 });
    mock.timers.tick(1000);
    answerLastPing(channel, 20, { peerAheadMs: 999 });
    const stats = probe.getStats();
    assert.equal(stats.clockOffsetMs, 250);
    assert.equal(stats.clockOffsetDelayMs, 4);
  });

  test('median of an even count is the mean of the two middle values; min, max, mean', () => {
    const { probe, channel } = setup({ pollInterval: 1000 });
    probe.start();
    const rtts = [10, 40, 20, 31];
    rtts.forEach((rtt, i) => {
      if (i > 0) {
        mock.timers.tick(1000);
      }
      answerLastPing(channel, rtt);
      if (i === 2) {
        assert.equal(probe.getStats().medianMs, 20, 'odd count: the middle value');
      }
    });
    const stats = probe.getStats();
    assert.equal(stats.sampleCount, 4);
    assert.equal(stats.medianMs, 25.5);
    assert.equal(stats.meanMs, 25.25);
    assert.equal(stats.minMs, 10);
    assert.equal(stats.maxMs, 40);
    assert.deepEqual(stats.samples.map((s) => s.rttMs), rtts, 'samples in arrival order');
    assert.equal(stats.sent, 4);
    assert.equal(stats.answered, 4);
  });

  test('getStats() is null before any sample; counters() works anyway', () => {
    const { probe, channel } = setup({ pollInterval: 1000 });
    assert.equal(probe.getStats(), null);
    probe.start();
    assert.equal(probe.getStats(), null, 'a ping in flight is no sample');
    mock.timers.tick(800);
    assert.equal(probe.getStats(), null, 'a ping that timed out is no sample');
    channel.deliver('text');
    assert.equal(probe.getStats(), null);
    const counters = probe.counters();
    assert.equal(counters.sent, 1);
    assert.equal(counters.unanswered, 1);
    assert.equal(counters.malformed, 1);
    assert.equal(counters.lossRatio, 0);
  });

  test('start() before the channel opens pings the moment it opens, then every pollInterval', () => {
    const { probe, channel } = setup({ pollInterval: 1000 }, 'connecting');
    probe.start();
    mock.timers.tick(1500);
    assert.equal(channel.sent.length, 0);
    assert.equal(probe.counters().sent, 0, 'not a ping: not counted');
    assert.equal(probe.counters().state, 'unavailable');
    assert.equal(probe.getStats(), null);
    clock.now = 1500;
    channel.open();
    assert.equal(channel.sent.length, 1, 'the first ping as the channel opens');
    assert.equal(lastPing(channel).t1, 1_700_000_001_500_000n);
    assert.equal(probe.counters().state, 'open');
    probe.start(); // idempotent: no second ping, no second interval
    mock.timers.tick(999);
    assert.equal(channel.sent.length, 1);
    mock.timers.tick(1);
    assert.equal(channel.sent.length, 2, 'the next a pollInterval after the open');
    mock.timers.tick(1000);
    assert.equal(channel.sent.length, 3);
  });

  test('stop() or close() before the channel opens: no ping when it opens', () => {
    const stopped = setup({ pollInterval: 1000 }, 'connecting');
    stopped.probe.start();
    stopped.probe.stop();
    stopped.channel.open();
    mock.timers.tick(2000);
    assert.equal(stopped.channel.sent.length, 0);
    stopped.probe.start(); // open now: at once
    assert.equal(stopped.channel.sent.length, 1);

    const closed = setup({ pollInterval: 1000 }, 'connecting');
    closed.probe.start();
    closed.probe.close();
    assert.equal(closed.probe.counters().state, 'closed');
    closed.channel.readyState = 'connecting';
    closed.channel.open();
    mock.timers.tick(2000);
    assert.equal(closed.channel.sent.length, 0);
  });

  test('a ping whose send throws is not counted and leaves nothing in flight', () => {
    const { probe, channel } = setup({ pollInterval: 1000 });
    channel.throwOnSend = true;
    assert.doesNotThrow(() => probe.start());
    assert.equal(probe.counters().sent, 0);
    assert.equal(probe.counters().inFlight, 0);
    mock.timers.tick(800);
    assert.equal(probe.counters().unanswered + probe.counters().lost, 0);
  });
});

describe('invalid messages', () => {
  test('are counted as malformed and never throw, nor answered', () => {
    const { probe, channel } = setup();
    const good = new Uint8Array(ping(1, 1));
    const malformed = [
      'hello',                                          // text
      '',                                               // empty text
      new ArrayBuffer(0),                               // shorter than 2 bytes
      new Uint8Array([1]).buffer,                       // shorter than 2 bytes
      good.slice(0, 15).buffer,                         // PING too short
      new Uint8Array([...good, 0]).buffer,              // PING too long
      new Uint8Array(pong(1, 1, 1, 0)).slice(0, 27).buffer, // PONG too short
      new Uint8Array([...new Uint8Array(pong(1, 1, 1, 0)), 0]).buffer, // PONG too long
      new Uint8Array([1, 2, ...good.slice(2)]).buffer,  // PONG type with a PING's 16 bytes
      new Uint8Array([1, 1, ...new Uint8Array(pong(1, 1, 1, 0)).slice(2)]).buffer, // PING type, 28 bytes
      new Uint8Array([1, 0, ...good.slice(2)]).buffer,  // type 0
      new Uint8Array([1, 3, ...good.slice(2)]).buffer,  // type 3
      new Uint8Array([1, 255]).buffer,                  // unknown type, 2 bytes
      good,                                             // a typed array, not an ArrayBuffer
      { size: 16, type: '' },                           // a Blob-like object
      null,
      undefined,
      42,
    ];
    for (const data of malformed) {
      assert.doesNotThrow(() => channel.deliver(data), String(data));
    }
    const counters = probe.counters();
    assert.equal(counters.malformed, malformed.length);
    assert.equal(counters.unknownVersion, 0);
    assert.equal(counters.peerPingsAnswered, 0);
    assert.equal(channel.sent.length, 0, 'nothing answered');
    assert.equal(probe.getStats(), null);
  });

  test('another version is counted as unknownVersion, at any length of 2 bytes or more, and not answered', () => {
    const { probe, channel } = setup();
    channel.deliver(ping(1, 1, { version: 2 }));
    channel.deliver(ping(1, 1, { version: 0 }));
    channel.deliver(pong(1, 1, 1, 0, { version: 2 }));
    channel.deliver(new Uint8Array([2, 9, 9]).buffer);
    channel.deliver(new Uint8Array([255, 1]).buffer);
    channel.deliver(new Uint8Array([2]).buffer); // too short comes first: malformed
    const counters = probe.counters();
    assert.equal(counters.unknownVersion, 5);
    assert.equal(counters.malformed, 1);
    assert.equal(channel.sent.length, 0);
  });

  test('a PONG held longer than the round trip is refused as malformed; its ping then times out', () => {
    const { probe, channel } = setup({ pollInterval: 1000 });
    probe.start();
    const sent = lastPing(channel);
    clock.now = 5;
    channel.deliver(pong(sent.sequence, sent.t1, sent.t1, 6_000_000)); // held 6 ms of a 5 ms round trip
    assert.equal(probe.counters().malformed, 1);
    assert.equal(probe.counters().answered, 0);
    assert.equal(probe.counters().inFlight, 1);
    assert.equal(probe.getStats(), null);
    mock.timers.tick(800);
    assert.equal(probe.counters().inFlight, 0);
    assert.equal(probe.counters().unanswered, 1);
  });
});

describe('a hostile peer', () => {
  test('a claimed hold above MAX_TRUSTED_HOLD_NS is capped: at most 5 ms is subtracted, counted, offset unverified', () => {
    const { probe, channel } = setup({ pollInterval: 1000 });
    probe.start();
    // an 80 ms round trip; the peer claims it held the ping 78 ms and plants an hour's clock offset
    const sent = lastPing(channel);
    clock.now = 80;
    channel.deliver(pong(sent.sequence, sent.t1, sent.t1 + 3_600_000_000n, 78_000_000));
    const stats = probe.getStats();
    assert.equal(MAX_TRUSTED_HOLD_NS, 5_000_000);
    assert.equal(stats.samples[0].rttMs, 75, '80 ms minus the 5 ms trusted, not 2 ms');
    assert.equal(stats.cappedHold, 1);
    assert.equal(stats.maxHoldMs, 78, 'the raw claim is kept');
    assert.equal(stats.malformed, 0);
    assert.equal(stats.clockOffsetVerified, false);
  });

  test('a pong whose t2 is no clock (past 2^62 ns) is measured but gives no clock offset', () => {
    const { probe, channel } = setup({ pollInterval: 1000 });
    probe.start();
    const sent = lastPing(channel);
    clock.now = 80;
    channel.deliver(pong(sent.sequence, sent.t1, 2n ** 62n, 0));
    const stats = probe.getStats();
    assert.equal(stats.samples[0].rttMs, 80);
    assert.equal(stats.answered, 1);
    assert.equal(stats.clockOffsetMs, null);
  });

  test('an honest hold up to the bound is subtracted whole and the offset is verified', () => {
    const { probe, channel } = setup({ pollInterval: 1000 });
    probe.start();
    answerLastPing(channel, 30, { holdNs: 5_000_000 });
    const stats = probe.getStats();
    assert.equal(stats.samples[0].rttMs, 30);
    assert.equal(stats.cappedHold, 0);
    assert.equal(stats.maxHoldMs, 5);
    assert.equal(stats.clockOffsetVerified, true);
  });
});

describe('a flooding peer', () => {
  test('gets PEER_PING_BURST answers at once, then PEER_PING_RATE a second; the rest are dropped and counted', () => {
    const { probe, channel } = setup();
    assert.equal(PEER_PING_RATE, 50);
    assert.equal(PEER_PING_BURST, 20);
    // 9,000 pings a second for 2 s
    for (let i = 0; i < 18_000; i++) {
      clock.now = i / 9;
      channel.deliver(ping(i, 1));
    }
    const counters = probe.counters();
    assert.ok(counters.peerPingsAnswered >= 20 + 99 && counters.peerPingsAnswered <= 20 + 100,
        `answered ${counters.peerPingsAnswered}`);
    assert.equal(counters.peerPingsAnswered + counters.peerPingsDropped, 18_000);
    assert.equal(channel.sent.length, counters.peerPingsAnswered, 'only the admitted pings are answered');
  });

  test('an honest peer at 10 Hz is never dropped', () => {
    const { probe, channel } = setup();
    for (let i = 0; i < 200; i++) {
      clock.now = i * 100;
      channel.deliver(ping(i, 1));
    }
    assert.equal(probe.counters().peerPingsAnswered, 200);
    assert.equal(probe.counters().peerPingsDropped, 0);
  });
});

describe('a peer guessing the next ping', () => {
  test('t1 carries a secret: a pong on the clock alone is unmatched, the offset uses the true send time', () => {
    mock.method(globalThis.crypto, 'getRandomValues', (array) => array.fill(0x12345));
    const { probe, channel } = setup({ pollInterval: 1000 }); // pingTimeout 800
    clock.now = 10;
    probe.start();
    const sent = lastPing(channel);
    const clockT1 = 1_700_000_000_010_000n;
    assert.equal(sent.t1, clockT1 + 0x12345n, 't1 is the clock plus the secret');
    clock.now = 10.1; // 0.1 ms after the ping left: a guess on the clock alone
    channel.deliver(pong(sent.sequence, clockT1, clockT1, 0));
    assert.equal(probe.counters().unmatched, 1);
    clock.now = 90; // its true pong: the guess spent the ping, so a peer has one guess per ping
    channel.deliver(pong(sent.sequence, sent.t1, clockT1 + 40_000n, 0));
    assert.equal(probe.counters().unmatched, 2);
    assert.equal(probe.getStats(), null, 'no sample from the guess, nor from the spent ping');

    clock.now = 810;
    mock.timers.tick(800); // the spent ping timed out, its timer on time
    clock.now = 1010;
    mock.timers.tick(200); // the next one, answered honestly
    const next = lastPing(channel);
    const nextClockT1 = 1_700_000_001_010_000n;
    assert.equal(next.t1, nextClockT1 + 0x12345n);
    clock.now = 1090; // 80 ms, the peer's clock equal to ours (t2 = t1 + 40 ms, held 0)
    channel.deliver(pong(next.sequence, next.t1, nextClockT1 + 40_000n, 0));
    const stats = probe.getStats();
    assert.equal(stats.medianMs, 80);
    assert.equal(stats.clockOffsetMs, 0, 'from the true send time, not the secret one');
    assert.deepEqual(pick(stats), { sent: 2, answered: 1, lost: 0, unanswered: 1, late: 0, inFlight: 0 });
  });

  test('a flood of guesses at the ping in flight: the first wrong one spends it, even the right one after it', () => {
    const { probe, channel } = setup({ pollInterval: 1000 });
    probe.start();
    answerLastPing(channel, 80); // the peer answered once: a ping without an answer is lost from now on
    clock.now = 1000;
    mock.timers.tick(1000);
    const sent = lastPing(channel);
    clock.now = 1000.1;
    for (let guess = -500n; guess <= 500n; guess++) { // the right t1 among them
      channel.deliver(pong(sent.sequence, sent.t1 + guess, sent.t1, 0));
    }
    assert.equal(probe.counters().unmatched, 1001);
    assert.equal(probe.getStats().sampleCount, 1, 'no 0.1 ms sample');
    mock.timers.tick(800);
    assert.deepEqual(pick(probe.counters()), { sent: 2, answered: 1, lost: 1, unanswered: 0, late: 0, inFlight: 0 });
  });

  test('a pong claiming more hold than the round trip spends the ping: no second try with a smaller hold', () => {
    const { probe, channel } = setup({ pollInterval: 1000 });
    probe.start();
    const sent = lastPing(channel);
    clock.now = 10;
    channel.deliver(pong(sent.sequence, sent.t1, sent.t1, 20_000_000));
    channel.deliver(pong(sent.sequence, sent.t1, sent.t1, 9_999_000));
    assert.equal(probe.counters().malformed, 1);
    assert.equal(probe.counters().unmatched, 1);
    assert.equal(probe.getStats(), null);
  });
});

describe('unmatched, lost and late pongs', () => {
  test('a PONG to no ping (unknown sequence, other t1, duplicate) is unmatched and ignored', () => {
    const { probe, channel } = setup();
    channel.deliver(pong(12345, 1, 1, 0));
    assert.equal(probe.counters().unmatched, 1);
    probe.start();
    const sent = lastPing(channel);
    clock.now = 3;
    channel.deliver(pong((sent.sequence + 1) >>> 0, sent.t1, sent.t1, 0));
    assert.equal(probe.counters().unmatched, 2);
    assert.equal(probe.counters().inFlight, 1, 'the ping still waits for its own pong');
    channel.deliver(pong(sent.sequence, sent.t1, sent.t1, 0));
    assert.equal(probe.getStats().samples[0].rttMs, 3);
    channel.deliver(pong(sent.sequence, sent.t1 + 1n, sent.t1, 0)); // another t1
    channel.deliver(pong(sent.sequence, sent.t1, sent.t1, 0)); // a duplicate
    const stats = probe.getStats();
    assert.equal(stats.unmatched, 4);
    assert.equal(stats.sampleCount, 1);
    assert.equal(stats.answered, 1);
    assert.equal(stats.late, 0);
  });

  test('a timed-out ping is unanswered until the peer first answered, then lost; its late pong counts late', () => {
    const { probe, channel } = setup({ pollInterval: 1000 }); // pingTimeout 800
    probe.start();
    mock.timers.tick(799);
    assert.equal(probe.counters().inFlight, 1);
    mock.timers.tick(1);
    assert.deepEqual(pick(probe.counters()), { sent: 1, answered: 0, lost: 0, unanswered: 1, late: 0, inFlight: 0 });

    mock.timers.tick(200); // the second ping, answered
    answerLastPing(channel, 12);
    assert.deepEqual(pick(probe.counters()), { sent: 2, answered: 1, lost: 0, unanswered: 1, late: 0, inFlight: 0 });

    mock.timers.tick(1000); // the third ping, which times out: lost now
    const third = lastPing(channel);
    mock.timers.tick(800);
    assert.deepEqual(pick(probe.counters()), { sent: 3, answered: 1, lost: 1, unanswered: 1, late: 0, inFlight: 0 });
    assert.equal(probe.counters().lossRatio, 0.5);

    clock.now = 3000; // its pong after all: late, never a sample
    channel.deliver(pong(third.sequence, third.t1, third.t1, 0));
    const stats = probe.getStats();
    assert.deepEqual(pick(stats), { sent: 3, answered: 1, lost: 1, unanswered: 1, late: 1, inFlight: 0 });
    assert.equal(stats.unmatched, 0);
    assert.equal(stats.sampleCount, 1);
    assert.deepEqual(stats.samples.map((s) => s.rttMs), [12]);

    // the first ping's pong, late too (it timed out as "unanswered")
    const first = decode(channel.sent[0]);
    channel.deliver(pong(first.sequence, first.t1, first.t1, 0));
    assert.equal(probe.counters().late, 2);
  });

  test('a timed-out ping has one late pong at most: a replay, or one with another t1, is unmatched', () => {
    const { probe, channel } = setup({ pollInterval: 1000 }); // pingTimeout 800
    probe.start();
    answerLastPing(channel, 12);
    mock.timers.tick(1000); // the second ping, which times out: lost
    const second = lastPing(channel);
    mock.timers.tick(800);
    clock.now = 3000;
    channel.deliver(pong(second.sequence, second.t1 + 1n, second.t1, 0)); // another t1
    for (let i = 0; i < 100; i++) {
      channel.deliver(pong(second.sequence, second.t1, second.t1, 0)); // its late pong, then 99 replays
    }
    const counters = probe.counters();
    assert.deepEqual([counters.lost, counters.late, counters.unmatched], [1, 1, 100]);

    mock.timers.tick(200); // the third ping: its pong arrives after the timeout (within STALL_MS), before the timer ran
    answerLastPing(channel, 840);
    const third = lastPing(channel);
    channel.deliver(pong(third.sequence, third.t1, third.t1, 0)); // and again
    assert.deepEqual(pick(probe.counters()), { sent: 3, answered: 1, lost: 2, unanswered: 0, late: 2, inFlight: 0 });
    assert.equal(probe.counters().unmatched, 101);
  });

  test('a pong that arrives after the timeout, before the timer ran, is late and the ping lost, not a sample', () => {
    globalThis.document = { visibilityState: 'hidden' }; // a background tab: its timers run late, its messages not
    const { probe, channel } = setup({ pollInterval: 1000 }); // pingTimeout 800 ms
    probe.start();
    answerLastPing(channel, 900); // the background tab's throttled timers ran no timer before it
    let counters = probe.counters();
    assert.deepEqual([counters.answered, counters.unanswered, counters.late, counters.inFlight], [0, 1, 1, 0],
        'the peer never answered before: unanswered, and late');
    assert.equal(probe.getStats(), null, 'no 900 ms sample beyond the 800 ms timeout');
    mock.timers.tick(1000); // the overdue timer, then the next ping
    answerLastPing(channel, 20);
    mock.timers.tick(1000);
    answerLastPing(channel, 800.5);
    counters = probe.counters();
    assert.deepEqual([counters.sent, counters.answered, counters.lost, counters.unanswered, counters.late],
        [3, 1, 1, 1, 2], 'after the peer answered: lost, and late');
    assert.equal(counters.sent, counters.answered + counters.lost + counters.unanswered + counters.inFlight);
    assert.deepEqual(probe.getStats().samples.map((s) => s.rttMs), [20]);
  });

  test('a visible page stalled past the deadline: a pong handled before the overdue timer is answered, no sample', () => {
    // Chromium, measured: a 1.5 s long task in the page while a ping was in flight. The pong arrived in time (40 ms)
    // but the page handled it after the stall, before its ping's overdue timer; the page cannot tell when it
    // arrived. Taken for loss, twelve such stalls at 10 Hz over a 40 ms link read as 9 lost pings of 54.
    const { probe, channel } = setup({ pollInterval: 1000 }); // pingTimeout 800 ms; no document: visible
    probe.start();
    answerLastPing(channel, 20);
    mock.timers.tick(1000); // the second ping
    answerLastPing(channel, 1500); // handled 700 ms after its deadline; its timer has not run
    let counters = probe.counters();
    assert.deepEqual(pick(counters), { sent: 2, answered: 2, lost: 0, unanswered: 0, late: 0, inFlight: 0 });
    assert.equal(counters.processedLate, 1, 'local lateness, counted apart');
    assert.equal(counters.lossRatio, 0);
    assert.deepEqual(probe.getStats().samples.map((s) => s.rttMs), [20], 'no 1500 ms sample: the stall hid it');
    const second = lastPing(channel);
    channel.deliver(pong(second.sequence, second.t1, second.t1, 0)); // a replay of that pong: no answer, not late
    assert.deepEqual([probe.counters().answered, probe.counters().late, probe.counters().unmatched], [2, 0, 1]);
    mock.timers.tick(1000); // the overdue timer (no effect), then the third ping
    answerLastPing(channel, 830); // 30 ms past its deadline, within STALL_MS: the page may have seen it late
    counters = probe.counters();
    assert.deepEqual(pick(counters), { sent: 3, answered: 2, lost: 1, unanswered: 0, late: 1, inFlight: 0 });
    assert.equal(counters.processedLate, 1);
    mock.timers.tick(1000);
    answerLastPing(channel, 21);
    assert.deepEqual(probe.getStats().samples.map((s) => s.rttMs), [20, 21]);
    assert.equal(counters.sent, counters.answered + counters.lost + counters.unanswered + counters.inFlight);
  });

  test('a stalled page: a pong claiming more hold than even the stalled round trip is refused and spends the ping', () => {
    // As the Java probe (ProbeStarvationTest): the hold rule holds in the stall path too. Before, the page took a
    // 4.29 s hold on a 1.5 s trip for an answer, so a peer could turn a loss into an answer without a true pong.
    const { probe, channel } = setup({ pollInterval: 1000 }); // pingTimeout 800 ms; no document: visible
    probe.start();
    answerLastPing(channel, 20);
    mock.timers.tick(1000);
    const second = lastPing(channel);
    clock.now = 1000 + 1500; // handled 700 ms after its deadline; its timer has not run
    channel.deliver(pong(second.sequence, second.t1, second.t1, 0xFFFFFFFF));
    channel.deliver(pong(second.sequence, second.t1, second.t1, 0)); // the true pong, after it: the ping is spent
    let counters = probe.counters();
    assert.equal(counters.malformed, 1, 'held longer than the round trip');
    assert.equal(counters.unmatched, 1, 'a spent ping takes no later pong');
    assert.equal(counters.processedLate, 0);
    assert.deepEqual(pick(counters), { sent: 2, answered: 1, lost: 0, unanswered: 0, late: 0, inFlight: 1 });
    mock.timers.tick(1000); // the overdue timer, at 2500, 700 ms late: a grace of 100 ms
    assert.equal(probe.counters().lost, 0);
    mock.timers.tick(100); // no pong can answer a spent ping: lost at the grace's end
    counters = probe.counters();
    assert.equal(counters.lost, 1);
    assert.equal(counters.sent, counters.answered + counters.lost + counters.unanswered + counters.inFlight);
  });

  test('a hidden page: the same stall reads as loss and late (its timers are throttled, so no stall shows)', () => {
    globalThis.document = { visibilityState: 'hidden' };
    const { probe, channel } = setup({ pollInterval: 1000 });
    probe.start();
    answerLastPing(channel, 20);
    mock.timers.tick(1000);
    answerLastPing(channel, 1500);
    const counters = probe.counters();
    assert.deepEqual(pick(counters), { sent: 2, answered: 1, lost: 1, unanswered: 0, late: 1, inFlight: 0 });
    assert.equal(counters.processedLate, 0);
  });

  test('a ping whose own timer ran late in a visible page gets a grace: its pong after that timer is answered', () => {
    // Chromium, measured under a flood (ChromiumStallGraceTest): the page stalled 196 ms past a ping's deadline,
    // its timer ran first, and the pong, sent 1 ms after the ping reached the peer, came 79 ms after that timer:
    // counted lost and late, where the Java probe gives the pings due at a late wake-up 100 ms.
    const { probe, channel } = setup({ pollInterval: 1000 }); // pingTimeout 800 ms; no document: visible
    probe.start();
    answerLastPing(channel, 20);
    mock.timers.tick(1000); // the second ping, at 1000
    clock.now = 1000 + 800 + 196; // its timer runs 196 ms past the deadline
    mock.timers.tick(800);
    assert.deepEqual(pick(probe.counters()), { sent: 2, answered: 1, lost: 0, unanswered: 0, late: 0, inFlight: 1 },
        'a timer that ran late itself judges nothing yet');
    answerLastPing(channel, 800 + 196 + 79);
    let counters = probe.counters();
    assert.deepEqual(pick(counters), { sent: 2, answered: 2, lost: 0, unanswered: 0, late: 0, inFlight: 0 });
    assert.equal(counters.processedLate, 1, 'local lateness, counted apart');
    assert.deepEqual(probe.getStats().samples.map((s) => s.rttMs), [20], 'no sample: the stall hid the trip');
    clock.now = 1900;
    mock.timers.tick(100); // the grace's end, at 1900: the ping is answered already
    assert.equal(probe.counters().lost, 0);

    clock.now = 2000;
    mock.timers.tick(100); // the third ping, at 2000; its timer late again, and no pong within the grace
    clock.now = 2000 + 800 + 300;
    mock.timers.tick(800);
    clock.now = 2000 + 800 + 300 + 100;
    mock.timers.tick(100);
    counters = probe.counters();
    assert.deepEqual(pick(counters), { sent: 3, answered: 2, lost: 1, unanswered: 0, late: 0, inFlight: 0 },
        'once: no pong within the grace, lost');
    answerLastPing(channel, 1250); // its pong after the grace: late
    assert.deepEqual([probe.counters().late, probe.counters().processedLate], [1, 1]);

    clock.now = 3000;
    mock.timers.tick(100); // the fourth ping, at 3000: its timer within STALL_MS of its deadline, so no grace
    clock.now = 3000 + 800 + 49;
    mock.timers.tick(800);
    counters = probe.counters();
    assert.equal(counters.lost, 2, 'a timer within STALL_MS of its deadline judges at once');
    assert.equal(counters.sent, counters.answered + counters.lost + counters.unanswered + counters.inFlight);
  });

  test('a hidden page: a timer that ran late gives no grace (its timers are throttled)', () => {
    globalThis.document = { visibilityState: 'hidden' };
    const { probe, channel } = setup({ pollInterval: 1000 });
    probe.start();
    answerLastPing(channel, 20);
    mock.timers.tick(1000);
    clock.now = 1000 + 800 + 196;
    mock.timers.tick(800);
    assert.deepEqual(pick(probe.counters()), { sent: 2, answered: 1, lost: 1, unanswered: 0, late: 0, inFlight: 0 });
  });

  test('a custom pingTimeout is honoured', () => {
    const { probe } = setup({ pollInterval: 1000, pingTimeout: 50 });
    probe.start();
    mock.timers.tick(49);
    assert.equal(probe.counters().inFlight, 1);
    mock.timers.tick(1);
    assert.equal(probe.counters().unanswered, 1);
  });
});

describe('stop(), close() and maxSamples', () => {
  test('stop() stops pinging, lets pings in flight complete, keeps answering and keeps the samples', () => {
    const { probe, channel } = setup({ pollInterval: 1000 });
    probe.start();
    answerLastPing(channel, 8);
    mock.timers.tick(1000);
    const inFlight = lastPing(channel);
    probe.stop();
    probe.stop(); // idempotent
    mock.timers.tick(5000);
    assert.equal(probe.counters().sent, 2, 'no pings after stop()');
    // its timeout (800 ms) fired during the 5 s above: the pong, when it comes, is late
    channel.deliver(pong(inFlight.sequence, inFlight.t1, inFlight.t1, 0));
    assert.equal(probe.counters().late, 1);

    const sentBefore = channel.sent.length;
    channel.deliver(ping(77, 77));
    assert.equal(channel.sent.length, sentBefore + 1);
    assert.equal(decode(channel.lastSent()).type, 2, 'still answers');
    assert.deepEqual(probe.getStats().samples.map((s) => s.rttMs), [8], 'samples kept');

    probe.start(); // and it can start again
    assert.equal(probe.counters().sent, 3);
    answerLastPing(channel, 6);
    assert.deepEqual(probe.getStats().samples.map((s) => s.rttMs), [8, 6]);
  });

  test('a ping in flight at stop() still completes as a sample', () => {
    const { probe, channel } = setup({ pollInterval: 1000 });
    probe.start();
    probe.stop();
    answerLastPing(channel, 15);
    assert.equal(probe.getStats().samples[0].rttMs, 15);
    assert.equal(probe.counters().answered, 1);
  });

  test('close() closes the channel, stops pinging, counts pings in flight as unanswered; idempotent', () => {
    const { probe, channel } = setup({ pollInterval: 1000 });
    probe.start();
    answerLastPing(channel, 5);
    mock.timers.tick(1000);
    probe.close();
    assert.equal(channel.closeCalls, 1);
    assert.equal(channel.readyState, 'closed');
    assert.deepEqual(pick(probe.counters()), { sent: 2, answered: 1, lost: 0, unanswered: 1, late: 0, inFlight: 0 });
    probe.close();
    assert.equal(channel.closeCalls, 1, 'closed once');
    mock.timers.tick(5000);
    probe.start(); // no effect after close()
    mock.timers.tick(5000);
    assert.equal(probe.counters().sent, 2);
    assert.equal(probe.counters().unanswered, 1, 'not counted twice by the close event');
    assert.equal(probe.getStats().sampleCount, 1, 'the samples stay readable');
  });

  test('close() makes the counters final: what the closing channel still delivers is dropped uncounted', () => {
    // Chromium delivers messages between close() and the close event (a flooding peer: 2 more counted after
    // close()); the Java probe drops them uncounted, so counters read at close() are the ones exported later
    const { probe, channel } = setup({ pollInterval: 1000 }); // pingTimeout 800
    probe.start();
    answerLastPing(channel, 5);
    mock.timers.tick(1000);
    const timedOut = lastPing(channel);
    mock.timers.tick(800); // lost: its pong would be late
    mock.timers.tick(200);
    const cutOff = lastPing(channel); // in flight at close(): unanswered
    channel.close = function close() { // a browser: 'closing' now, the close event later
      this.closeCalls++;
      this.readyState = 'closing';
    };
    probe.close();
    const atClose = probe.getStats();
    clock.now = 3100;
    channel.deliver(pong(timedOut.sequence, timedOut.t1, timedOut.t1, 0));
    channel.deliver(pong(cutOff.sequence, cutOff.t1, cutOff.t1, 0));
    channel.deliver(pong(12345, 1, 1, 0));
    channel.deliver('text');
    channel.deliver(ping(7, 7, { version: 2 }));
    channel.deliver(ping(8, 8));
    channel.readyState = 'closed';
    channel.dispatch('close', {});
    assert.deepEqual(probe.getStats(), atClose);
    assert.equal(channel.sent.length, 3, 'two pings, no pong after close()');
  });

  test('the methods work detached from the object, as { start, stop, close, getStats } = openProbe(...)', () => {
    const pc = new FakePeerConnection();
    const { start, stop, close, getStats } = openProbe(pc, { pollInterval: 1000 });
    const channel = pc.channels[0];
    start();
    answerLastPing(channel, 9);
    stop();
    assert.equal(getStats().samples[0].rttMs, 9);
    assert.doesNotThrow(() => close());
    assert.equal(channel.closeCalls, 1);
  });

  test('the channel closing under the probe counts pings in flight as unanswered', () => {
    const { probe, channel } = setup({ pollInterval: 1000 });
    probe.start();
    channel.readyState = 'closed';
    channel.dispatch('close', {});
    assert.equal(probe.counters().unanswered, 1);
    assert.equal(probe.counters().inFlight, 0);
    mock.timers.tick(3000);
    assert.equal(probe.counters().sent, 1, 'no pings on a closed channel');
    assert.equal(probe.counters().unanswered, 1, 'the cleared timeout does not count it again');
  });

  test('the channel closing under the probe clears its interval and open listener: no timer outlives it', () => {
    const live = new Set();
    const setInterval = globalThis.setInterval;
    const clearInterval = globalThis.clearInterval;
    mock.method(globalThis, 'setInterval', (...args) => {
      const id = setInterval(...args);
      live.add(id);
      return id;
    });
    mock.method(globalThis, 'clearInterval', (id) => {
      live.delete(id);
      clearInterval(id);
    });
    const { probe, channel } = setup({ pollInterval: 1000 });
    probe.start();
    assert.equal(live.size, 1);
    channel.readyState = 'closed';
    channel.dispatch('close', {});
    assert.equal(live.size, 0, 'the interval is cleared when the channel is gone for good');

    const early = setup({ pollInterval: 1000 }, 'connecting'); // closes before it ever opened
    early.probe.start();
    early.channel.readyState = 'closed';
    early.channel.dispatch('close', {});
    assert.equal((early.channel.listeners.get('open') || []).length, 0, 'the one-shot open listener is removed');
    assert.equal(live.size, 0);
  });

  test('maxSamples keeps only the last N; the statistics cover only those', () => {
    const { probe, channel } = setup({ pollInterval: 1000, maxSamples: 3 });
    probe.start();
    const rtts = [50, 1, 2, 3, 4];
    rtts.forEach((rtt, i) => {
      if (i > 0) {
        mock.timers.tick(1000);
      }
      answerLastPing(channel, rtt);
    });
    const stats = probe.getStats();
    assert.equal(stats.sampleCount, 3);
    assert.deepEqual(stats.samples.map((s) => s.rttMs), [2, 3, 4]);
    assert.equal(stats.minMs, 2);
    assert.equal(stats.maxMs, 4);
    assert.equal(stats.meanMs, 3);
    assert.equal(stats.medianMs, 3);
    assert.equal(stats.answered, 5, 'the counters count everything');
  });

  test('getStats() returns copies: changing them does not change the probe', () => {
    const { probe, channel } = setup();
    probe.start();
    answerLastPing(channel, 7);
    const stats = probe.getStats();
    stats.samples[0].rttMs = 1000;
    stats.samples.push({ timestamp: 0, rttMs: 0 });
    assert.deepEqual(probe.getStats().samples.map((s) => s.rttMs), [7]);
  });
});

describe('two probes', () => {
  test('measure each other through a pair of connected fake channels', () => {
    const a = setup({ pollInterval: 1000 });
    const b = setup({ pollInterval: 1000 });
    // each side's send arrives at the other 3 ms later (the clock is shared: one machine)
    for (const [from, to] of [[a.channel, b.channel], [b.channel, a.channel]]) {
      const send = from.send.bind(from);
      from.send = (data) => {
        send(data);
        const bytes = from.lastSent();
        clock.now += 3;
        to.deliver(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      };
    }
    a.probe.start();
    b.probe.start();
    mock.timers.tick(1000);
    const statsA = a.probe.getStats();
    const statsB = b.probe.getStats();
    assert.equal(statsA.sampleCount, 2);
    assert.equal(statsB.sampleCount, 2);
    assert.ok(statsA.samples.every((s) => s.rttMs === 6), JSON.stringify(statsA.samples));
    assert.ok(statsB.samples.every((s) => s.rttMs === 6), JSON.stringify(statsB.samples));
    assert.equal(statsA.peerPingsAnswered, 2);
    assert.equal(statsB.peerPingsAnswered, 2);
    assert.equal(statsA.clockOffsetMs, 0, 'one clock: no offset');
    assert.equal(statsA.malformed + statsA.unmatched + statsA.unknownVersion, 0);
  });
});

function pick(counters) {
  const { sent, answered, lost, unanswered, late, inFlight } = counters;
  return { sent, answered, lost, unanswered, late, inFlight };
}
