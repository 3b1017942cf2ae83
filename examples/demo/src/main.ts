import { parseArgs } from 'node:util';
import { startReceiver } from '@growth-channel/testing';
import { FRAMEWORKS, type Framework, freePort, type RunningApp, startApp } from './apps.js';
import { DEMO_REF_ID, playJourney } from './journey.js';
import { bold, dim, green, line, red } from './transcript.js';

const DEMO_API_KEY = 'demo-local-key';

const PLATFORMS = ['express', 'fastify'] as const;

function parseOptions(argv: string[]): { framework: Framework; platform: (typeof PLATFORMS)[number] } {
  const { values } = parseArgs({
    // `pnpm demo -- --framework x` forwards the `--` separator too.
    args: argv.filter((arg) => arg !== '--'),
    options: {
      framework: { type: 'string', short: 'f', default: 'express' },
      platform: { type: 'string', default: 'express' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    line(
      'Usage: pnpm demo [-- --framework express|fastify|nestjs] [--platform express|fastify (nestjs only)]',
    );
    process.exit(0);
  }
  const framework = values.framework as Framework;
  if (!FRAMEWORKS.includes(framework)) {
    throw new UsageError(`--framework must be one of ${FRAMEWORKS.join(', ')}, got "${values.framework}"`);
  }
  const platform = values.platform as (typeof PLATFORMS)[number];
  if (!PLATFORMS.includes(platform)) {
    throw new UsageError(`--platform must be express or fastify, got "${values.platform}"`);
  }
  if (platform !== 'express' && framework !== 'nestjs') {
    throw new UsageError('--platform applies to --framework nestjs only');
  }
  return { framework, platform };
}

class UsageError extends Error {}

async function main(): Promise<number> {
  let framework: Framework;
  let platform: string;
  try {
    ({ framework, platform } = parseOptions(process.argv.slice(2)));
  } catch (error) {
    process.stderr.write(`demo: ${(error as Error).message}\n`);
    return 2;
  }

  const receiver = await startReceiver({ apiKey: DEMO_API_KEY });
  let app: RunningApp | undefined;
  const stopAll = async () => {
    await app?.stop();
    await receiver.close();
  };
  const onSignal = () => {
    void stopAll().then(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    const title = framework === 'nestjs' ? `nestjs (${platform} platform)` : framework;
    line(bold(`Growth Channel demo: ${title}`));
    line(`   receiver   ${receiver.url}  ${dim('(local, from @growth-channel/testing; no network needed)')}`);
    app = startApp(framework, await freePort(), {
      GROWTH_CHANNEL_API_KEY: DEMO_API_KEY,
      GROWTH_CHANNEL_BASE_URL: receiver.url,
      PLATFORM: platform,
    });
    await app.ready();
    line(
      `   app        ${app.url}  ${dim(`(examples/${framework}, GROWTH_CHANNEL_BASE_URL=${receiver.url})`)}`,
    );
    line();
    const ok = await playJourney(framework, app, receiver);
    const how = await app.stop();
    const output = app.output();
    app = undefined;
    line(dim(`app stopped on SIGTERM (${how}) after closing its Growth Channel client`));
    if (ok) {
      line(green(`✔ The receiver got the conversion for ref_id ${DEMO_REF_ID}.`));
      return 0;
    }
    line(red(`✘ The receiver did not get a conversion for ref_id ${DEMO_REF_ID}.`));
    line(dim(`What the app printed:\n${output.trim() || '(nothing)'}`));
    return 1;
  } catch (error) {
    process.stderr.write(`demo: ${(error as Error).message}\n`);
    return 1;
  } finally {
    await stopAll();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

process.exitCode = await main();
