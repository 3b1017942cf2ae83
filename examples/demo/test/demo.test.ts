import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));

function runDemo(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [main, ...args],
      { timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

// The demo is also each example's smoke test: start the app, land, convert, the receiver got it.
describe('pnpm demo', () => {
  it.each(['express', 'fastify', 'nestjs'])(
    '%s: plays the journey and the receiver gets the conversion',
    async (framework) => {
      const { code, stdout, stderr } = await runDemo(['--', '--framework', framework]);
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect(stdout).toContain(
        `Growth Channel demo: ${framework}`.replace('nestjs', 'nestjs (express platform)'),
      );
      expect(stdout).toMatch(/GET \/landing\?ref_id=demo-123 → 200/);
      expect(stdout).toContain('"ref_id": "demo-123"');
      expect(stdout).toContain('"event_name": "user_converted"');
      expect(stdout).toContain('x-api-key: [redacted]');
      expect(stdout).not.toContain('demo-local-key');
      expect(stdout).toContain('✔ The receiver got the conversion for ref_id demo-123.');
    },
  );

  it('nestjs on the fastify platform: the receiver gets the conversion', async () => {
    const { code, stdout } = await runDemo(['--framework', 'nestjs', '--platform', 'fastify']);
    expect(code).toBe(0);
    expect(stdout).toContain('Growth Channel demo: nestjs (fastify platform)');
    expect(stdout).toContain('"ref_id": "demo-123"');
    expect(stdout).toContain('✔ The receiver got the conversion for ref_id demo-123.');
  });

  it('refuses an unknown framework with exit code 2', async () => {
    const { code, stderr } = await runDemo(['--framework', 'koa']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--framework must be one of express, fastify, nestjs/);
  });
});
