// PeerPulse probe for browsers: docs/PROBE-PROTOCOL.md (version 1), dependency-free ES module.
//
//   import { openProbe } from './peerpulse-probe.js';
//   const probe = openProbe(peerConnection, { pollInterval: 1000, maxSamples: 600 });
//   probe.start();       // pings every pollInterval (the first at once, or the moment the channel opens);
//                        // answers the peer's pings from openProbe on
//   probe.counters();    // the counts, and state: 'open', 'unavailable' (channel not open yet, or gone), 'closed'
//   probe.getStats();    // null before any sample, else { sampleCount, minMs, maxMs, meanMs, medianMs,
//                        //   samples: [{ timestamp, rttMs }], sent, answered, lost, late, cappedHold, maxHoldMs,
//                        //   clockOffsetMs, clockOffsetVerified, processedLate, ... }
//                        // processedLate: pongs the page handled after a stall of its own (see matchPong and the ping's
//                        //   timer, which gives a grace when it ran late itself): answered, not lost, no sample
//
// The peer is untrusted (docs/PROBE-PROTOCOL.md, "Trust model"): at most MAX_TRUSTED_HOLD_NS of its claimed hold
// time is subtracted from a round trip (a longer claim counts in cappedHold and makes the clock offset unverified),
// and its pings are answered at most PEER_PING_RATE a second in bursts of PEER_PING_BURST (the rest are dropped and
// counted in peerPingsDropped).
//   probe.stop();        // stops pinging; keeps answering and keeps the samples
//   probe.close();       // closes the channel; the counters are final from here on
//
// @since 0.1.0

/** The protocol version this module speaks. */
export const PROTOCOL_VERSION = 1;
/** The probe channel's label. */
export const LABEL = 'peerpulse-probe';
/** The default negotiated SCTP stream id. */
export const DEFAULT_CHANNEL_ID = 1023;

const TYPE_PING = 1;
const TYPE_PONG = 2;
const PING_LENGTH = 16;
const PONG_LENGTH = 28;
const MAX_HOLD_NS = 0xFFFFFFFF;
/**
 * The longest hold time of the peer's that a reading subtracts (ns): the hold is the peer's claim; an honest
 * responder holds a ping for microseconds, a few ms on a stalled CPU. A longer claim is capped to this and counted
 * (`cappedHold`), and a clock offset from such an exchange is unverified. docs/PROBE-PROTOCOL.md, "Trust model".
 */
export const MAX_TRUSTED_HOLD_NS = 5_000_000;
// The largest |t2| (epoch µs) an exchange may claim to give a clock offset: 2^62 ns, the year 2116. Past it the
// claim is no clock (and past 2^53 µs no longer exact here); the round trip is still measured.
const MAX_T2_MICROS = 4_611_686_018_427_387;
/**
 * The peer's pings answered per second at most, and at once (a token bucket): an honest peer pings at 1–10 Hz; more
 * are dropped and counted (`peerPingsDropped`), so a flooding peer cannot occupy the page. As the Java probe.
 */
export const PEER_PING_RATE = 50;
/** The token bucket's size: pings answered at once before PEER_PING_RATE applies. */
export const PEER_PING_BURST = 20;
/** Timed-out pings remembered to tell a late pong from an unmatched one (as the Java probe). */
const TIMED_OUT_MEMORY = 256;
/**
 * How far past its deadline a visible page may handle a pong, before the ping's own timer ran, and still take it
 * for late (ms): beyond it the page itself was stalled at the deadline (a long task, as the browser counts one) and
 * cannot tell when the pong arrived. See matchPong.
 */
const STALL_MS = 50;
/**
 * The grace a ping gets when its own timer ran more than STALL_MS late in a visible page (ms), once, from that
 * run: the page's process was stalled (its network thread too, which hands the page its messages), so a pong that
 * reached the machine in time may still be on its way to the page. As the Java probe's STALL_GRACE_NANOS.
 */
const STALL_GRACE_MS = 100;

/**
 * Whether the page's timers run on time when its thread is free: a visible page (or no document at all). A hidden
 * page's timers are throttled (Chromium: to 1 s wake-ups), so a timer that has not run yet says nothing there.
 */
function timersOnTime() {
  return typeof document === 'undefined' || document.visibilityState !== 'hidden';
}

/** Epoch microseconds of a performance.now() reading: the protocol's browser wall clock. */
function epochMicros(nowMs) {
  return Math.round((performance.timeOrigin + nowMs) * 1000);
}

/**
 * A per-ping secret added to `t1`, 0 to 2^20 − 1 µs, from the Web Crypto API: the peer cannot predict a ping (its
 * sequence counts up, and our clock alone would be the last `t1` plus the poll interval) and answer it before it
 * arrives. As the Java probe; the clock offset uses the true send time.
 */
function t1Secret() {
  return crypto.getRandomValues(new Uint32Array(1))[0] & 0xFFFFF;
}

/** Milliseconds rounded to 1 µs, half up like the Java probe (no floating-point noise beyond that). */
function roundMicros(ms) {
  return Math.round(ms * 1000) / 1000;
}

function encodePing(sequence, t1Micros) {
  const buffer = new ArrayBuffer(PING_LENGTH);
  const view = new DataView(buffer);
  view.setUint8(0, PROTOCOL_VERSION);
  view.setUint8(1, TYPE_PING);
  view.setUint16(2, 0);
  view.setUint32(4, sequence);
  view.setBigInt64(8, BigInt(t1Micros));
  return buffer;
}

function encodePong(sequence, t1, t2Micros, holdNs) {
  const buffer = new ArrayBuffer(PONG_LENGTH);
  const view = new DataView(buffer);
  view.setUint8(0, PROTOCOL_VERSION);
  view.setUint8(1, TYPE_PONG);
  view.setUint16(2, 0);
  view.setUint32(4, sequence);
  view.setBigInt64(8, t1); // copied unchanged (a BigInt)
  view.setBigInt64(16, BigInt(t2Micros));
  view.setUint32(24, Math.min(MAX_HOLD_NS, Math.max(0, Math.round(holdNs))));
  return buffer;
}

/** A bad option's value for its error message: a string quoted, a number as is, anything else by its type. */
function shown(value) {
  if (typeof value === 'string') {
    return JSON.stringify(value);
  }
  return value === null || typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean'
      || value === undefined ? String(value) : typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function positiveNumber(options, name, fallback) {
  const value = options[name] === undefined ? fallback : options[name];
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive number: ${shown(value)}`);
  }
  return value;
}

/** A count, at least 1 (a fraction is rounded down): maxSamples, offsetWindow. */
function positiveCount(options, name, fallback) {
  const value = positiveNumber(options, name, fallback);
  if (value < 1) {
    throw new RangeError(`${name} must be at least 1: ${value}`);
  }
  return Math.floor(value);
}

/** The longest delay setTimeout / setInterval keep (ms, 2^31 − 1, about 24.8 days): a longer one fires at once. */
const MAX_TIMER_MS = 0x7FFFFFFF;

/** A positive number of ms that a timer can wait: pollInterval, pingTimeout. */
function timerDelay(options, name, fallback) {
  const value = positiveNumber(options, name, fallback);
  if (value > MAX_TIMER_MS) {
    throw new RangeError(`${name} must be at most ${MAX_TIMER_MS} ms, a timer's longest delay: ${value}`);
  }
  return value;
}

/** Median of sorted values: the mean of the two middle values when their count is even. */
function median(sorted) {
  const n = sorted.length;
  return n % 2 === 1 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

/**
 * Opens the probe channel on `pc` and answers the peer's pings from now on.
 *
 * @param {RTCPeerConnection} pc the connection (before or after it connects)
 * @param {object} [options]
 * @param {number} [options.pollInterval=1000] ms between pings once started, at most 2^31 − 1 (a timer's limit)
 * @param {number} [options.maxSamples=600] samples kept (the most recent), at least 1
 * @param {number} [options.pingTimeout] ms a ping waits for its pong (default: 800, at most 80 % of pollInterval);
 *   pings may overlap when it exceeds pollInterval; at most 2^31 − 1
 * @param {number} [options.channelId=1023] the negotiated stream id, the same on both peers
 * @param {number} [options.offsetWindow=64] recent exchanges the clock offset is chosen from, at least 1
 * @returns {{start: function(): void, stop: function(): void, close: function(): void,
 *   getStats: function(): (object|null), counters: function(): object, channel: RTCDataChannel}}
 * @since 0.1.0
 */
export function openProbe(pc, options = {}) {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`options must be an object (or left out): ${shown(options)}`);
  }
  const pollInterval = timerDelay(options, 'pollInterval', 1000);
  const maxSamples = positiveCount(options, 'maxSamples', 600);
  const pingTimeout = timerDelay(options, 'pingTimeout', Math.min(800, pollInterval * 0.8));
  const offsetWindow = positiveCount(options, 'offsetWindow', 64);
  const channelId = options.channelId === undefined ? DEFAULT_CHANNEL_ID : options.channelId;
  if (!Number.isInteger(channelId) || channelId < 0 || channelId > 1023) {
    throw new RangeError(`channelId must be an integer in 0..1023: ${shown(channelId)}`);
  }

  const channel = pc.createDataChannel(LABEL,
      { negotiated: true, id: channelId, ordered: false, maxRetransmits: 0 });
  channel.binaryType = 'arraybuffer';

  const counts = {
    sent: 0, answered: 0, lost: 0, late: 0, unanswered: 0, malformed: 0, unknownVersion: 0, unmatched: 0,
    peerPingsAnswered: 0, cappedHold: 0, maxHoldMs: 0, peerPingsDropped: 0, processedLate: 0,
  };
  // the answer rate limit: tokens as ms of refill (fractions kept), full at first
  const msPerToken = 1000 / PEER_PING_RATE;
  const bucketCapacityMs = msPerToken * PEER_PING_BURST;
  let bucketMs = bucketCapacityMs;
  let bucketAt = null;
  const pending = new Map(); // sequence -> { t1Micros, sentAt, timer }
  const timedOut = []; // { sequence, wireT1, answered }: one late pong per ping at most (a replay is unmatched)
  const samples = [];
  const exchanges = []; // { offsetMs, delayMs, timestamp }, the most recent offsetWindow
  let nextSequence = (Math.random() * 0x100000000) >>> 0;
  let peerAnswered = false;
  let timer = null;
  let closed = false;
  /** Whether start() was called and stop() was not: pinging, or waiting for the channel to open. */
  let started = false;
  /** The one-shot 'open' listener of a start() before the channel opened, until it fires or stop()/close(). */
  let pendingOpen = null;

  function rememberTimedOut(sequence, entry) {
    timedOut.push({ sequence, wireT1: entry.wireT1, answered: entry.spent === true }); // a spent ping: no late pong
    if (timedOut.length > TIMED_OUT_MEMORY) {
      timedOut.shift();
    }
  }

  /** Ends a ping in flight that got no pong in time: lost, or unanswered while the peer never answered yet. */
  function timeOut(sequence, entry) {
    pending.delete(sequence);
    clearTimeout(entry.timer);
    rememberTimedOut(sequence, entry);
    if (peerAnswered) {
      counts.lost++;
    } else {
      counts.unanswered++; // the peer never answered yet: not loss
    }
  }

  function ping() {
    if (closed || channel.readyState !== 'open') {
      return; // not a ping: "unavailable", as the Java probe's read
    }
    const sequence = nextSequence;
    nextSequence = (nextSequence + 1) >>> 0;
    const sentAt = performance.now();
    const t1Micros = epochMicros(sentAt);
    const wireT1 = t1Micros + t1Secret(); // what the pong must echo
    const entry = { t1Micros, wireT1, sentAt, timer: null, spent: false };
    pending.set(sequence, entry);
    counts.sent++;
    entry.timer = setTimeout(function deadline() {
      if (pending.get(sequence) !== entry) {
        return;
      }
      if (!entry.graced && performance.now() - entry.sentAt - pingTimeout > STALL_MS && timersOnTime()) {
        // the timer itself ran well past the deadline in a page whose timers run on time: the page was stalled,
        // and a pong that arrived meanwhile may be handed to it only now. A grace, once, as the Java probe; a pong
        // within it is answered in processedLate (matchPong: past the deadline by more than STALL_MS)
        entry.graced = true;
        entry.timer = setTimeout(deadline, STALL_GRACE_MS);
        return;
      }
      timeOut(sequence, entry);
    }, pingTimeout);
    try {
      channel.send(encodePing(sequence, wireT1));
    } catch (e) {
      clearTimeout(entry.timer);
      pending.delete(sequence);
      counts.sent--; // never left: not a ping at all
    }
  }

  /** Whether to answer a ping that arrived at `receivedAt`: takes a token, else counts the ping dropped. */
  function admitPing(receivedAt) {
    if (bucketAt !== null && receivedAt > bucketAt) {
      bucketMs = Math.min(bucketCapacityMs, bucketMs + (receivedAt - bucketAt));
    }
    if (bucketAt === null || receivedAt > bucketAt) {
      bucketAt = receivedAt;
    }
    if (bucketMs >= msPerToken) {
      bucketMs -= msPerToken;
      return true;
    }
    counts.peerPingsDropped++;
    return false;
  }

  function answer(view, receivedAt) {
    const sequence = view.getUint32(4);
    const t1 = view.getBigInt64(8);
    const t2Micros = epochMicros(receivedAt);
    // hold: from reading the ping to sending the pong, taken just before sending
    const pong = encodePong(sequence, t1, t2Micros, (performance.now() - receivedAt) * 1e6);
    try {
      channel.send(pong);
      counts.peerPingsAnswered++;
    } catch (e) {
      // the channel went away: the peer's ping is lost, as on the network
    }
  }

  function matchPong(view, receivedAt) {
    const sequence = view.getUint32(4);
    const t1Micros = Number(view.getBigInt64(8));
    const t2Micros = Number(view.getBigInt64(16));
    const holdNs = view.getUint32(24);
    const entry = pending.get(sequence);
    if (entry === undefined) {
      // the late pong of a timed-out ping: its sequence and t1, and the first for it (a replay answers nothing)
      const gone = timedOut.find((t) => t.sequence === sequence && t.wireT1 === t1Micros && !t.answered);
      if (gone !== undefined) {
        gone.answered = true;
        counts.late++;
      } else {
        counts.unmatched++;
      }
      return;
    }
    if (entry.wireT1 !== t1Micros || entry.spent) {
      // another t1 for a ping in flight is a guess at its secret: it spends the ping (no later pong answers it), so
      // a peer has one guess per ping, not one per pong it can send within a round trip. As the Java probe
      entry.spent = true;
      counts.unmatched++;
      return;
    }
    const tripMs = receivedAt - entry.sentAt;
    if (tripMs - pingTimeout > STALL_MS && timersOnTime()) {
      // handled well past the deadline, yet the ping's timer, due at the deadline, has not run in a page whose timers
      // run on time (or ran late itself and gave this grace): the page itself was stalled (a long task) and the pong
      // waited behind it, arrived when the page cannot tell. Local lateness, not loss (the Java probe's processedLate): answered, but no sample,
      // as the stall hides the round trip
      if (holdNs / 1e6 > tripMs) {
        counts.malformed++; // held longer than even this round trip: no pong to trust; it spends the ping
        entry.spent = true;
        return;
      }
      pending.delete(sequence);
      clearTimeout(entry.timer);
      counts.answered++;
      counts.processedLate++;
      peerAnswered = true;
      return;
    }
    if (tripMs > pingTimeout) {
      // it arrived after the ping's timeout, though the timer has not run yet (a page busy up to STALL_MS past the
      // deadline, or a background tab's throttled timers): lost and late, as if the timer had come first. As the Java
      // probe: the arrival decides.
      timeOut(sequence, entry);
      timedOut[timedOut.length - 1].answered = true; // this pong is its late one
      counts.late++;
      return;
    }
    if (holdNs / 1e6 > tripMs) {
      counts.malformed++; // held longer than the round trip: not trusted; it spends the ping, which times out
      entry.spent = true;
      return;
    }
    // the hold is the peer's claim: subtract at most the trusted bound, and note that this one was capped
    const capped = holdNs > MAX_TRUSTED_HOLD_NS;
    const trustedHoldNs = capped ? MAX_TRUSTED_HOLD_NS : holdNs;
    const rttMs = tripMs - trustedHoldNs / 1e6;
    counts.maxHoldMs = Math.max(counts.maxHoldMs, roundMicros(holdNs / 1e6));
    if (capped) {
      counts.cappedHold++;
    }
    pending.delete(sequence);
    clearTimeout(entry.timer);
    counts.answered++;
    peerAnswered = true;
    // NTP on-wire calculation, in microseconds on each side's wall clock
    const t1 = entry.t1Micros;
    const t2 = t2Micros;
    const t3 = t2Micros + trustedHoldNs / 1000;
    const t4 = (performance.timeOrigin + receivedAt) * 1000;
    if (Math.abs(t2) <= MAX_T2_MICROS) {
      exchanges.push({ offsetMs: ((t2 - t1) + (t3 - t4)) / 2 / 1000,
        delayMs: Math.max(0, (t4 - t1) - (t3 - t2)) / 1000, verified: !capped });
      if (exchanges.length > offsetWindow) {
        exchanges.shift();
      }
    }
    samples.push({ timestamp: Math.round(performance.timeOrigin + receivedAt), rttMs: roundMicros(rttMs) });
    if (samples.length > maxSamples) {
      samples.shift();
    }
  }

  channel.onmessage = (event) => {
    const receivedAt = performance.now();
    if (closed) {
      // the counters are final at close(): what the closing channel still delivers (Chromium hands the page messages
      // until its close event) is dropped uncounted, as the Java probe does
      return;
    }
    const data = event.data;
    if (!(data instanceof ArrayBuffer)) {
      counts.malformed++; // a text message (or a Blob, which binaryType rules out)
      return;
    }
    if (data.byteLength < 2) {
      counts.malformed++;
      return;
    }
    const view = new DataView(data);
    if (view.getUint8(0) !== PROTOCOL_VERSION) {
      counts.unknownVersion++;
      return;
    }
    const type = view.getUint8(1);
    if (type === TYPE_PING && data.byteLength === PING_LENGTH) {
      if (admitPing(receivedAt)) {
        answer(view, receivedAt);
      }
    } else if (type === TYPE_PONG && data.byteLength === PONG_LENGTH) {
      matchPong(view, receivedAt);
    } else {
      counts.malformed++; // unknown type, or a wrong length for its type
    }
  };
  channel.onclose = () => {
    // a data channel never opens again: no interval is left to fire for nothing and keep the probe alive
    stopPinging();
    for (const entry of pending.values()) {
      clearTimeout(entry.timer);
      counts.unanswered++;
    }
    pending.clear();
  };

  function clockOffset() {
    if (exchanges.length === 0) {
      return null;
    }
    let best = exchanges[exchanges.length - 1];
    for (let i = exchanges.length - 2; i >= 0; i--) {
      if (exchanges[i].delayMs < best.delayMs) {
        best = exchanges[i]; // ties: the most recent wins
      }
    }
    return best;
  }

  /** 'open' when pings can go out, 'closed' after close(), else 'unavailable' (the channel not open yet, or gone). */
  function state() {
    if (closed) {
      return 'closed';
    }
    return channel.readyState === 'open' ? 'open' : 'unavailable';
  }

  function counters() {
    const lossBase = counts.answered + counts.lost;
    return {
      ...counts, inFlight: pending.size, lossRatio: lossBase === 0 ? 0 : counts.lost / lossBase, state: state(),
    };
  }

  /** The first ping now, then one every pollInterval from now. */
  function beginPinging() {
    ping();
    timer = setInterval(ping, pollInterval);
  }

  function stopPinging() {
    started = false;
    if (timer !== null) {
      clearInterval(timer);
      timer = null;
    }
    if (pendingOpen !== null) {
      channel.removeEventListener('open', pendingOpen);
      pendingOpen = null;
    }
  }

  return {
    /** The probe's data channel. */
    channel,
    /**
     * Starts pinging every pollInterval; idempotent. The first ping goes at once when the channel is open, else the
     * moment it opens (a one-shot 'open' listener): a start() right after openProbe() loses no poll to the channel's
     * set-up. Until then counters().state is 'unavailable' and getStats() null. Pinging ends when the channel closes
     * (a data channel never reopens).
     */
    start() {
      if (started || closed) {
        return;
      }
      started = true;
      if (channel.readyState === 'open') {
        beginPinging();
        return;
      }
      const onOpen = () => {
        if (pendingOpen !== onOpen) {
          return; // stopped (or closed) before the channel opened
        }
        pendingOpen = null;
        beginPinging();
      };
      pendingOpen = onOpen;
      channel.addEventListener('open', onOpen, { once: true });
    },
    /** Stops pinging; pings in flight still complete; keeps answering and keeps the samples. */
    stop() {
      stopPinging();
    },
    /**
     * Stops and closes the channel; idempotent. The counters and samples are final from here on: messages the closing
     * channel still delivers are dropped uncounted.
     */
    close() {
      stopPinging(); // not this.stop(): the methods also work detached, as const { close } = openProbe(...)
      if (closed) {
        return;
      }
      closed = true;
      for (const entry of pending.values()) {
        clearTimeout(entry.timer);
        counts.unanswered++;
      }
      pending.clear();
      channel.close();
    },
    /**
     * Counters only, also before any sample; `state` says whether pings can go out: 'open', 'unavailable' (the
     * channel is not open yet, or went away) or 'closed' (close() was called).
     */
    counters,
    /**
     * The original feature's keys over the last maxSamples samples, plus the probe's counters and the
     * peer's clock offset (peer minus us); null before any sample.
     */
    getStats() {
      if (samples.length === 0) {
        return null;
      }
      const values = samples.map((s) => s.rttMs);
      const sorted = [...values].sort((a, b) => a - b);
      const sum = values.reduce((a, b) => a + b, 0);
      const offset = clockOffset();
      return {
        sampleCount: samples.length,
        minMs: sorted[0],
        maxMs: sorted[sorted.length - 1],
        meanMs: sum / values.length,
        medianMs: median(sorted),
        samples: samples.map((s) => ({ timestamp: s.timestamp, rttMs: s.rttMs })),
        ...counters(),
        clockOffsetMs: offset === null ? null : roundMicros(offset.offsetMs),
        // the true offset lies within delay / 2 of the estimate, plus 1 µs for t2's resolution
        clockOffsetErrorBoundMs: offset === null ? null : Math.ceil((offset.delayMs / 2 + 0.001) * 1000) / 1000,
        clockOffsetDelayMs: offset === null ? null : roundMicros(offset.delayMs),
        // false when the exchange's pong claimed a hold above MAX_TRUSTED_HOLD_NS: not an honest responder's
        // timestamps, so neither the offset nor its bound can be trusted
        clockOffsetVerified: offset === null ? null : offset.verified,
      };
    },
  };
}
