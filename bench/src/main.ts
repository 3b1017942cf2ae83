import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { measureCaptureCost } from './capture-cost.js';
import { measureThroughput } from './delivery-throughput.js';
import { measureExtract } from './extract.js';
import { measureOverhead, type OverheadResult } from './http-overhead.js';
import { pinLoadGenerator, SERVER_CPU, startChild, unpin } from './processes.js';
import { number, percent } from './stats.js';

// `pnpm bench -- --quick` shortens every run (for checking the harness, not for figures).
const quick = process.argv.includes('--quick');
const ROUNDS = 3;
const HTTP = { rounds: ROUNDS, seconds: quick ? 1 : 4, warmupSeconds: 2 };
const DELIVERY = {
  rounds: ROUNDS,
  count: quick ? 2_000 : 20_000,
  naiveFetchCount: quick ? 500 : 5_000,
  concurrency: 10,
};
const OUTAGE_COUNT = quick ? 10_000 : 100_000;
const EXTRACT = { rounds: ROUNDS, iterations: quick ? 200_000 : 2_000_000 };

interface OutageResult {
  count: number;
  maxQueueSize: number;
  accepted: number;
  refused: number;
  held: number;
  heapDelta: number;
  jsonBytes: number;
}

const rows: string[] = [];
const verdicts: string[] = [];
function row(...cells: string[]): void {
  rows.push(`| ${cells.join(' | ')} |`);
}
function target(ok: boolean, text: string): string {
  verdicts.push(`- ${ok ? 'met' : '**missed**'}: ${text}`);
  return ok ? 'met' : '**missed**';
}
function log(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

async function main(): Promise<void> {
  const started = Date.now();
  pinLoadGenerator();
  const receiver = await startChild<{ url: string }>('receiver', ['0']);
  const outageReceiver = await startChild<{ url: string }>('receiver', ['1']);
  try {
    row('measurement', 'baseline', 'with Growth Channel', 'ratio', 'target');
    row('---', '---', '---', '---', '---');

    const overheads: OverheadResult[] = [];
    for (const framework of ['express', 'fastify'] as const) {
      log(`request overhead, ${framework}`);
      overheads.push(await measureOverhead(framework, receiver.ready.url, HTTP));
    }
    for (const { framework, cases, dropped } of overheads) {
      const show = (name: string, key: 'capture' | 'captureWithRefId' | 'track', limit?: number) => {
        const base = key === 'capture' ? cases.bare : cases.bareWithRefId;
        const r = cases[key].rps / base.rps;
        // Server capacity: requests one core serves per second, from its CPU time per request.
        const capacity = base.cpu / cases[key].cpu;
        const goal =
          limit === undefined
            ? 'report'
            : target(
                capacity >= 1 - limit,
                `${framework} ${name}: ${percent(capacity)} of bare capacity (at least ${percent(1 - limit)}); ${percent(r)} of bare req/s under load`,
              );
        row(
          `${framework}: ${name}: req/s (p99 ms) [server CPU µs/req]`,
          `${number(base.rps)} (${base.p99}) [${number(base.cpu, 1)}]`,
          `${number(cases[key].rps)} (${cases[key].p99}) [${number(cases[key].cpu, 1)}]`,
          `${percent(r)} req/s, ${percent(capacity)} capacity`,
          goal,
        );
      };
      show('capture, no ref_id', 'capture', 0.03);
      show('capture + cookie write', 'captureWithRefId', 0.1);
      show('trackConversion every request', 'track');
      if (dropped > 0)
        verdicts.push(
          `- note: ${framework} track case: ${number(dropped)} postbacks refused by a full queue (reported to onError)`,
        );
    }

    // The pinning is for the HTTP runs only: delivery and the rest use the whole machine.
    for (const pid of [process.pid, receiver.process.pid, outageReceiver.process.pid]) {
      if (pid !== undefined) unpin(pid);
    }

    log('capture cost in process');
    const c = await measureCaptureCost({ rounds: ROUNDS, iterations: quick ? 50_000 : 500_000 });
    for (const { framework, cases } of overheads) {
      row(
        `${framework}: core capture's own CPU per request (in process, µs) vs the bare app's`,
        `${number(cases.bare.cpu, 1)} µs`,
        `${number(c.withoutRefId, 2)} µs without ref_id, ${number(c.withRefId, 2)} µs with cookie write`,
        `${percent(c.withoutRefId / cases.bare.cpu)} / ${percent(c.withRefId / cases.bare.cpu)}`,
        'report',
      );
    }

    log('delivery throughput');
    const clear = async () => {
      await receiver.ask({ type: 'clear' });
    };
    const t = await measureThroughput(receiver.ready.url, clear, DELIVERY);
    const trackVsUndici = t.track / t.undiciLoop;
    row(
      `delivery: ${number(t.count)} postbacks, track()+flush() vs undici loop (${t.concurrency} concurrent), postbacks/s`,
      number(t.undiciLoop),
      number(t.track),
      percent(trackVsUndici),
      target(
        trackVsUndici >= 0.8,
        `track() delivery at ${percent(trackVsUndici)} of the plain undici loop (at least 80%)`,
      ),
    );
    row(
      `delivery: naive awaited fetch loop (${number(t.naiveFetchCount)} postbacks) vs track(), postbacks/s`,
      number(t.naiveFetch),
      number(t.track),
      `${(t.track / t.naiveFetch).toFixed(1)}x`,
      'report',
    );

    log('memory under an outage');
    const outage = async (maxQueueSize: number) => {
      const child = await startChild<OutageResult>(
        'outage-memory',
        [outageReceiver.ready.url, String(OUTAGE_COUNT), String(maxQueueSize)],
        ['--expose-gc'],
      );
      await child.stop().catch(() => undefined);
      return child.ready;
    };
    const unbounded = await outage(OUTAGE_COUNT);
    const perPostback = unbounded.heapDelta / unbounded.held;
    const beyondJson = perPostback - unbounded.jsonBytes;
    row(
      `outage (all 503): heap per queued postback, ${number(unbounded.held)} held`,
      `${number(unbounded.jsonBytes)} B of JSON`,
      `${number(perPostback)} B`,
      `+${number(beyondJson)} B`,
      target(
        beyondJson <= 1024,
        `${number(beyondJson)} B of heap per queued postback beyond its JSON (at most 1 KiB)`,
      ),
    );
    const bounded = await outage(1_000);
    row(
      `outage: ${number(bounded.count)} tracked with maxQueueSize 1,000`,
      `${number(bounded.accepted)} accepted, ${number(bounded.refused)} refused`,
      `${number(bounded.heapDelta / 1024)} KiB heap`,
      `${number(bounded.held)} held`,
      target(
        bounded.held <= 1_000 && bounded.refused === bounded.count - bounded.accepted,
        'maxQueueSize bounds the queue; every refusal reported',
      ),
    );

    log('extractRefId');
    const e = await measureExtract(EXTRACT);
    const extractRatio = e.extractRefId / e.urlBaseline;
    row(
      'extractRefId vs new URL().searchParams.get(), ops/s',
      number(e.urlBaseline),
      number(e.extractRefId),
      percent(extractRatio),
      target(
        extractRatio >= 1,
        `extractRefId at ${percent(extractRatio)} of the URL baseline (at least 100%)`,
      ),
    );
  } finally {
    await receiver.stop();
    await outageReceiver.stop();
  }

  const cpu = cpus();
  const machine = `${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${number(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${process.platform}/${process.arch}`;
  const table = rows.join('\n');
  const seconds = Math.round((Date.now() - started) / 1000);
  process.stdout.write(
    `\n${table}\n\n${verdicts.join('\n')}\n\n${machine}; ${seconds} s${quick ? ' (quick run)' : ''}\n`,
  );
  if (!quick) {
    const results = fileURLToPath(new URL('../RESULTS.md', import.meta.url));
    writeFileSync(
      results,
      `# Benchmark results\n\nProduced by \`pnpm bench\` on ${new Date().toISOString().slice(0, 10)}.\n\n**Machine:** ${machine}.\n\nEvery figure is the median of ${ROUNDS} runs, alternated with its baseline in the same run (rotating which goes first); ratios are what to compare across machines. HTTP runs: autocannon, 32 connections, ${HTTP.seconds} s each after an unrecorded ${HTTP.warmupSeconds} s warm-up; receiver, apps and load generator in separate processes on loopback${SERVER_CPU === undefined ? '' : `; the app under test pinned to CPU ${SERVER_CPU}, the load generator and receiver to the others (taskset)`}.

**How to read the request-overhead rows.** Each case is compared with the bare app serving the same URL (\`/\` for capture without a ref_id, \`/?utm_source=bench&ref_id=abc123xyz\` for the others), so the framework's own query parsing is not counted as tracking's cost. On a 2-core machine the load generator saturates a core before a Fastify server does, so req/s under load partly measures autocannon (a larger response, such as one with a Set-Cookie header, costs *it* more). The overhead targets are therefore judged on *capacity*: the server's own CPU time per request (sampled with \`process.cpuUsage()\` around each run), as a ratio of the bare app's. Both figures are shown.\n\n${table}\n\n## Targets\n\n${verdicts.join('\n')}\n\nHow each figure is measured, and what the profiles showed: [README.md](README.md).\n`,
    );
    log(`wrote ${results}`);
  }
}

await main();
