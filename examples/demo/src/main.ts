import { parseArgs } from 'node:util';
import { startReceiver } from '@growth-channel/testing';
import { FRAMEWORKS, type Framework, startApp } from './apps.js';
import { DEMO_REF_ID, playJourney } from './journey.js';
import { bold, dim, green, line, red } from './transcript.js';

const DEMO_API_KEY = 'demo-local-key';

function parseFramework(argv: string[]): Framework {
  const { values } = parseArgs({
    // `pnpm demo -- --framework x` forwards the `--` separator too.
    args: argv.filter((arg) => arg !== '--'),
    options: { framework: { type: 'string', short: 'f', default: 'express' }, help: { type: 'boolean' } },
  });
  if (values.help) {
    line('Usage: pnpm demo [-- --framework express|fastify|nestjs]');
    process.exit(0);
  }
  const framework = values.framework as Framework;
  if (!FRAMEWORKS.includes(framework)) {
    throw new UsageError(`--framework must be one of ${FRAMEWORKS.join(', ')}, got "${values.framework}"`);
  }
  return framework;
}

class UsageError extends Error {}

async function main(): Promise<number> {
  let framework: Framework;
  try {
    framework = parseFramework(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`demo: ${(error as Error).message}\n`);
    return 2;
  }

  const receiver = await startReceiver({ apiKey: DEMO_API_KEY });
  let app: Awaited<ReturnType<typeof startApp>> | undefined;
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
    line(bold(`Growth Channel demo: ${framework}`));
    line(`   receiver   ${receiver.url}  ${dim('(local, from @growth-channel/testing; no network needed)')}`);
    app = await startApp(framework, {
      GROWTH_CHANNEL_API_KEY: DEMO_API_KEY,
      GROWTH_CHANNEL_BASE_URL: receiver.url,
    });
    line(
      `   app        ${app.url}  ${dim(`(examples/${framework}, GROWTH_CHANNEL_BASE_URL=${receiver.url})`)}`,
    );
    line();
    const ok = await playJourney(framework, app, receiver);
    const how = await app.stop();
    app = undefined;
    line(dim(`app stopped on SIGTERM (${how}) after closing its Growth Channel client`));
    if (ok) {
      line(green(`✔ The receiver got the conversion for ref_id ${DEMO_REF_ID}.`));
      return 0;
    }
    line(red(`✘ The receiver did not get a conversion for ref_id ${DEMO_REF_ID}.`));
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
