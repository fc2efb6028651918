// The far end of io.peerpulse.lab.BrowserPeer: signalling over HTTP with the Java side, the PeerPulse probe
// (peerpulse-probe.js), and a port of the original browser feature (getStats at 1 Hz, currentRoundTripTime).
import { openProbe } from '/peerpulse-probe.js';

const params = new URLSearchParams(location.search);
const number = (name, fallback) => (params.has(name) ? Number(params.get(name)) : fallback);
const probeInterval = number('probeInterval', 1000);
const probeTimeout = number('probeTimeout', 800);
const statsInterval = number('statsInterval', 1000);
const maxSamples = number('maxSamples', 600);
// 'early': probe.start() right after openProbe, before the channel opens (the probe pings the moment it opens)
const probeStartedEarly = params.get('probeStart') === 'early';

const status = (text) => { document.getElementById('status').textContent = text; };

async function post(path, body) {
  await fetch(path, { method: 'POST', body, headers: { 'Content-Type': 'text/plain' } });
}

function fail(error) {
  const text = error && error.stack ? error.stack : String(error);
  status('failed: ' + text);
  post('/error', text).catch(() => {});
}
window.addEventListener('error', (e) => fail(e.error || e.message));
window.addEventListener('unhandledrejection', (e) => fail(e.reason));

/** Long-polls a GET until the server answers with content (204: ask again). */
async function longPoll(path) {
  for (;;) {
    const response = await fetch(path, { cache: 'no-store' });
    if (response.status === 200) {
      return response.text();
    }
    if (response.status !== 204) {
      throw new Error(`GET ${path}: HTTP ${response.status}`);
    }
  }
}

/**
 * The original feature, ported: every pollInterval, getStats(); the transport's selectedCandidatePairId names
 * the candidate pair; its currentRoundTripTime x 1000 is a sample; the last maxSamples samples are kept.
 */
function originalLatency(pc, { pollInterval = 1000, maxSamples: keep = 600 } = {}) {
  const samples = [];
  let timer = null;
  async function poll() {
    const report = await pc.getStats();
    let pairId = null;
    report.forEach((stat) => {
      if (stat.type === 'transport' && stat.selectedCandidatePairId) {
        pairId = stat.selectedCandidatePairId;
      }
    });
    const pair = pairId === null ? undefined : report.get(pairId);
    if (pair && typeof pair.currentRoundTripTime === 'number') {
      samples.push({ timestamp: Date.now(), rttMs: pair.currentRoundTripTime * 1000 });
      if (samples.length > keep) {
        samples.shift();
      }
    }
  }
  return {
    start() {
      if (timer === null) {
        timer = setInterval(() => poll().catch(fail), pollInterval);
      }
    },
    stop() {
      clearInterval(timer);
      timer = null;
    },
    getStats() {
      if (samples.length === 0) {
        return null;
      }
      const values = samples.map((s) => s.rttMs);
      const sorted = [...values].sort((a, b) => a - b);
      const n = sorted.length;
      return {
        sampleCount: n,
        minMs: sorted[0],
        maxMs: sorted[n - 1],
        meanMs: values.reduce((a, b) => a + b, 0) / n,
        medianMs: n % 2 === 1 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2,
        samples: samples.slice(),
      };
    },
  };
}

async function main() {
  const pc = new RTCPeerConnection();
  const probe = openProbe(pc, { pollInterval: probeInterval, pingTimeout: probeTimeout, maxSamples });
  const original = originalLatency(pc, { pollInterval: statsInterval, maxSamples });
  let gameMessages = 0;
  pc.ondatachannel = (event) => {
    event.channel.onmessage = () => { gameMessages++; };
  };
  pc.onicecandidate = (event) => {
    if (event.candidate && event.candidate.candidate) {
      const c = event.candidate;
      post('/candidate', `${c.sdpMid}\n${c.sdpMLineIndex}\n${c.candidate}`).catch(fail);
    }
  };
  let probeOpenedAtEpochMs = null;
  let probeStateAtStart = null;
  const opened = () => {
    // registered before an early start(): this listener runs first, so the time is taken before the first ping
    probeOpenedAtEpochMs = performance.timeOrigin + performance.now();
    status('probe channel open');
    if (!probeStartedEarly) {
      probe.start();
    }
    original.start();
    post('/event', 'open').catch(fail);
  };
  if (probe.channel.readyState === 'open') {
    opened();
  } else {
    probe.channel.addEventListener('open', opened, { once: true });
  }
  if (probeStartedEarly) {
    probeStateAtStart = probe.counters().state;
    probe.start();
  }

  status('waiting for the offer');
  const offer = await longPoll('/offer');
  await pc.setRemoteDescription({ type: 'offer', sdp: offer });
  const answer = await pc.createAnswer();
  await pc.setLocalDescription(answer);
  await post('/answer', pc.localDescription.sdp);
  status('answered');

  const results = () => JSON.stringify({
    latency: original.getStats(),
    probe: probe.getStats(),
    probeCounters: probe.counters(),
    probeOpenedAtEpochMs,
    probeStateAtStart,
    gameMessages,
    connectionState: pc.connectionState,
    userAgent: navigator.userAgent,
  });
  for (;;) {
    const command = await longPoll('/command');
    const [id, action] = command.split(' ');
    if (action === 'finish') {
      probe.stop();
      original.stop();
      status('finished');
    }
    await post(`/report?id=${id}`, results());
  }
}

main().catch(fail);
