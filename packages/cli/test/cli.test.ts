import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

describe.concurrent('growth-channel (dispatch, help, version)', () => {
  it('--version prints the version of its own package.json', async () => {
    const { version } = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
    expect(await runCli(['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('--help lists the commands and the exit codes; no command prints it to stderr with exit 2', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    for (const command of ['send', 'listen', 'extract', 'doctor'])
      expect(help.stdout).toContain(`  ${command} `);
    expect(help.stdout).toContain('2  bad usage or input');
    const bare = await runCli([]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toBe(help.stdout);
  });

  it.each(['send', 'listen', 'extract', 'doctor'])(
    '"%s --help" prints its usage, flags and exit codes',
    async (command) => {
      const result = await runCli([command, '--help']);
      expect(result.code).toBe(0);
      expect(result.stderr).toBe('');
      expect(result.stdout).toMatch(new RegExp(`^Usage: growth-channel ${command}`));
      expect(result.stdout).toContain('  -h, --help');
      expect(result.stdout).toContain('2  bad usage or input');
    },
  );

  it('"help <command>" prints the same as "<command> --help"', async () => {
    const [viaHelp, viaFlag] = await Promise.all([runCli(['help', 'doctor']), runCli(['doctor', '--help'])]);
    expect(viaHelp).toEqual(viaFlag);
  });

  it('-h wins over other problems on the line; send --help says why there is no --api-key flag', async () => {
    const result = await runCli(['send', '--unknown-flag', '-h']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('There is deliberately no --api-key');
    expect(result.stdout).toContain('shell history');
  });

  it('exits 2 with one line on an unknown command or top-level option', async () => {
    const unknown = await runCli(['sned']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe(
      'growth-channel: unknown command "sned"; the commands are send, listen, extract, doctor. Did you mean "send"? (see growth-channel --help)\n',
    );
    const option = await runCli(['--verbose']);
    expect(option.code).toBe(2);
    expect(option.stderr).toBe(
      'growth-channel: unknown option --verbose; options go after the command (see growth-channel --help)\n',
    );
    const helpTopic = await runCli(['help', 'nope']);
    expect(helpTopic.code).toBe(2);
  });
});
