export const HELP = `shakedown — proves, black-box, that a backend is ready for production.

Usage: shakedown <command> [options]

Commands
  run                       contracts, then scenarios, then soak, per the profile
  contracts                 validate the running API against its OpenAPI spec
  scenarios [name...]       rate-limit, webhook-replay, graceful-shutdown, hardening, replicas (all by default)
  soak                      long socket.io voice-session run with leak and drift verdicts
  load                      HTTP load (closed or open model)
  report <runDir>           rebuild summary.json, junit.xml and index.html from events.ndjson
  stack up|down             start the configured stack and print its URL until Ctrl-C / stop it
  k6 export                 write k6 scripts for the scenarios and soak sessions

Options
  -c, --config <file>       config file (default: shakedown.config.ts in the current directory)
  -t, --target <url>        test a running server at <url> instead of starting the stack
      --stack <kind>        local | compose | url
  -p, --profile <name>      quick | full (default: full)
  -o, --out <dir>           run output directory (default: reports/)
  -r, --reporter <name>     console | json | junit | html (repeatable)
      --baseline <path>     compare with a previous run directory or its summary.json
      --workers <n>         soak worker threads (default 1)
      --open                (report) open the HTML report in a browser
      --force               compare with a --baseline of another profile or target
  -q, --quiet               print only failures and the final verdict
  -v, --version             print the version
  -h, --help                print this help

Exit codes
  0  every check passed
  1  a check or threshold failed
  2  bad input (CLI usage, config, spec, script)
  3  target or stack unavailable (cannot start, not reachable, not ready in time)
  4  internal error
  5  the run did not finish (interrupted, killed, target lost)
`;
