import { DEFAULT_BASE_URL } from '@growth-channel/core';

/** Port `listen` binds when `--port` is not given: free on most machines, easy to type. */
export const DEFAULT_LISTEN_PORT = 8787;

/** Address `listen` binds when `--host` is not given: loopback, so nothing on the network can reach it. */
export const DEFAULT_LISTEN_HOST = '127.0.0.1';

/** Per-check time allowed by `doctor` when `--timeout-ms` is not given. */
export const DEFAULT_DOCTOR_TIMEOUT_MS = 5_000;

export const COMMANDS = ['send', 'listen', 'extract', 'doctor'] as const;
export type CommandName = (typeof COMMANDS)[number];

const EXIT_CODES = `Exit codes:
  0  ok
  1  delivery failed, a check failed, or no ref_id found
  2  bad usage or input (unknown option, bad value, missing API key)`;

export const MAIN_HELP = `growth-channel: send test postbacks, run a local receiver, extract ref_ids and check a deployment.

Usage: growth-channel <command> [options]

Commands:
  send      Send one conversion postback (or print it with --dry-run)
  listen    Run a local receiver and print each postback as it arrives
  extract   Print the ref_id that capture would store for a URL, or why none
  doctor    Check the API key, the base URL and that the endpoint answers

Options:
  -h, --help     Show help; "growth-channel help <command>" or "<command> --help" for one command
  -v, --version  Print the version

Environment:
  GROWTH_CHANNEL_API_KEY   API key sent as X-Api-Key (send, doctor); never printed
  GROWTH_CHANNEL_BASE_URL  API origin (default ${DEFAULT_BASE_URL})

${EXIT_CODES}
`;

const SEND_HELP = `Usage: growth-channel send --ref-id ID [options]

Validates one postback with the SDK's schema and sends it with the SDK's client (retries, timeout),
then prints the endpoint's answer.

Options:
  --ref-id ID          Tracking id captured from the landing URL (required)
  --event NAME         event_name, e.g. user_converted
  --revenue N          revenue, a number (write negative values as --revenue=-5)
  --tracker-id ID      tracker_id
  --data JSON          conversion_data, a JSON object, e.g. '{"plan":"pro"}'
  --base-url URL       API origin (default: GROWTH_CHANNEL_BASE_URL, else ${DEFAULT_BASE_URL})
  --api-key-file PATH  Read the API key from this file (trimmed); overrides GROWTH_CHANNEL_API_KEY
  --timeout-ms N       Time allowed for one attempt (default 10000)
  --max-retries N      Retries after the first attempt (default 4)
  --dry-run            Print the exact HTTP request (key redacted) and send nothing
  -h, --help           Show this help

The API key comes from GROWTH_CHANNEL_API_KEY or --api-key-file. There is deliberately no --api-key
flag: a key typed on a command line ends up in your shell history and in the process list.

Examples:
  export GROWTH_CHANNEL_API_KEY=...        # or: --api-key-file ~/.config/growth-channel/key
  growth-channel send --ref-id abc123 --event user_converted --revenue 49 --data '{"plan":"pro"}'
  growth-channel send --ref-id abc123 --dry-run
  growth-channel send --ref-id abc123 --base-url http://127.0.0.1:${DEFAULT_LISTEN_PORT}   # to "growth-channel listen"

${EXIT_CODES}
`;

const LISTEN_HELP = `Usage: growth-channel listen [options]

Runs a local Growth Channel receiver in the foreground and prints each request as it arrives, so you
can point GROWTH_CHANNEL_BASE_URL at it while building an integration. Ctrl+C stops it (exit 0).

Options:
  --port N        Port to listen on; 0 picks a free one (default ${DEFAULT_LISTEN_PORT})
  --host H        Address to listen on (default ${DEFAULT_LISTEN_HOST}: this machine only)
  --api-key KEY   The only X-Api-Key accepted (default: any non-empty key). This is the local
                  receiver's expected key, not a secret, so a flag is fine here; it is never printed.
  --fail-rate R   Answer this fraction (0..1) of postbacks with 503, to watch your retries work
  --json          One JSON line per request on stdout (startup lines go to stderr)
  -h, --help      Show this help

Examples:
  growth-channel listen
  growth-channel listen --port 9000 --api-key test-key --fail-rate 0.3
  growth-channel listen --json | jq .body

${EXIT_CODES}
`;

const EXTRACT_HELP = `Usage: growth-channel extract URL [--param NAME]...

Prints the ref_id that capture would store for a landing URL (the SDK's extractRefId), or exits 1
with a line saying why none: no query string, the parameter is absent, or its value breaks the
validation rule (1 to 256 of letters, digits and - _ . ~ : + / =).

Options:
  --param NAME   Query parameter to read; repeat for several, in order of preference (default ref_id)
  -h, --help     Show this help

Examples:
  growth-channel extract 'https://shop.example/landing?ref_id=abc123'
  growth-channel extract '/landing?gc_ref=abc123' --param ref_id --param gc_ref

${EXIT_CODES}
`;

const DOCTOR_HELP = `Usage: growth-channel doctor [options]

Checks the configuration a deployment would use, one line per check (ok, warn, fail, skip) with
timings: the API key is present (only its length is shown), the base URL is valid, plain http to a
remote host, DNS lookup, TCP connect, an HTTP answer from the endpoint (an OPTIONS request without
the key). It sends no postback unless --ref-id is given.

Options:
  --base-url URL       API origin (default: GROWTH_CHANNEL_BASE_URL, else ${DEFAULT_BASE_URL})
  --api-key-file PATH  Read the API key from this file (trimmed); overrides GROWTH_CHANNEL_API_KEY
  --ref-id ID          Also send one real test conversion {"ref_id": ID} with the key, to verify it
  --timeout-ms N       Time allowed for each check (default ${DEFAULT_DOCTOR_TIMEOUT_MS})
  -h, --help           Show this help

Examples:
  growth-channel doctor
  growth-channel doctor --base-url https://api.example.com --ref-id test-123

${EXIT_CODES}
`;

export const COMMAND_HELP: Record<CommandName, string> = {
  send: SEND_HELP,
  listen: LISTEN_HELP,
  extract: EXTRACT_HELP,
  doctor: DOCTOR_HELP,
};
