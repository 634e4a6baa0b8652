export const HELP = `shakedown — proves, black-box, that a backend is ready for production.

Usage: shakedown <command> [options]

Commands
  run                       contracts, then scenarios, then soak, then load, per the profile
  contracts                 validate the running API against its OpenAPI spec
  scenarios [name...]       rate-limit, webhook-replay, graceful-shutdown, hardening, replicas (all by default)
  soak                      long socket.io voice-session run with leak and drift verdicts
  load                      HTTP load (closed or open model), responses checked against the spec
  report <runDir>           rebuild summary.json, junit.xml and index.html from events.ndjson
  stack up|down             start the configured stack and print its URL until Ctrl-C / stop it
  k6 export                 write k6 scripts (load, contracts, soak) and a k6-operator TestRun (--out dir, default k6/)
  k6 import <file...>       k6 --out json results (one per pod) → a run directory, thresholds, exit code
  init                      write shakedown.config.ts, scenarios, a soak template and a CI workflow
                            for this project (--spec, --target; --force to overwrite)
  webhook sign              print a webhook signature header value (--scheme, --secret-env,
                            --body-file, [--timestamp, --id]); used by webhook curl repros

Options
  -c, --config <file>       config file (default: shakedown.config.ts in the current directory)
  -t, --target <url>        test a running server at <url> instead of starting the stack
  -s, --spec <file|url>     OpenAPI document: a file, an http(s) URL, or a path on the target
                            (/openapi.json); no config file needed with --target
      --stack <kind>        local | compose | url
  -p, --profile <name>      quick | full (default: full)
  -o, --out <dir>           run output directory (default: reports/)
  -r, --reporter <name>     console | json | junit | html (repeatable)
      --baseline <path>     compare with a previous run directory or its summary.json
  -d, --duration <time>     soak and load duration: 90, 90s, 15m, 1h
      --sessions <n>        soak sessions held at once
      --rate <n>            load: requests per second (open model)
      --connections <n>     load: concurrent connections
      --workers <n>         soak or load worker threads (default 1)
      --validate <n>        (load) validate 1 response in n against the spec; 0 = off (default 100)
      --parallelism <n>     (k6 export) runner pods per k6-operator TestRun (default 4)
      --open                (report) open the HTML report in a browser
      --force               compare with a --baseline of another profile or target; init: overwrite
  -q, --quiet               print only failures and the final verdict
      --verbose             print every warning and skip (default: one line per check id)
  -v, --version             print the version
  -h, --help                print this help

Options of webhook sign
      --scheme <name>       stripe | standard-webhooks | github | slack
      --secret-env <var>    the environment variable holding the signing secret
      --body-file <file>    the exact body that is sent
      --timestamp <seconds> the signed timestamp, in Unix seconds (default: now)
      --id <id>             the delivery id, for schemes that sign it (default: a new one)

Exit codes
  0  every check passed
  1  a check or threshold failed
  2  bad input (CLI usage, config, spec, script)
  3  target or stack unavailable (cannot start, not reachable, not ready in time)
  4  internal error
  5  the run did not finish (interrupted, killed, target lost)
`;
