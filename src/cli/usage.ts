/** The text of `multifrost-conform --help`. */
export const USAGE = `multifrost-conform: check a Multifrost worker (or parent) against the protocol catalogue

Usage:
  multifrost-conform [options] ./worker.py|.ts|.js|.go|<executable>
  multifrost-conform [options] -- <command...>
  multifrost-conform [options] --service <id>
  multifrost-conform [options] --reference
  multifrost-conform [options] --role parent -- <driver command...>
  multifrost-conform [options] [target] --target <spec> [--target <spec>...] [--jobs n]
  multifrost-conform list [--tags <expr>] [--name <regex>] [--role child|parent]
  multifrost-conform sim-replay <recording> [--role parent [--timeout <ms>]] [--trace]

Options:
  --profile v3|v4            protocol profile (default: detected by probing the worker)
  --role child|parent        what is checked (default child)
  --tags <expr>              cucumber tag expression, e.g. "@must and not @MF-OUT-2"
  --name <regex>             run scenarios whose name matches (repeatable)
  --timeout <ms>             per-step timeout (default 5000)
  --startup-timeout <ms>     how long the worker may take to start (default 10000)
  --fail-fast                stop at the first blocking failure
  --names wire|pascal|camel|snake   how the worker spells the service's methods (default wire)
  --name-map <file.json>     explicit method names, e.g. {"write_stdout": "WriteOut"}
  --strict                   SHOULD failures fail the run too
  --expected-failures <file> baseline of clause or scenario ids that are known to fail
  --trace                    print the wire trace of every scenario (failures always have it)
  --junit <file> --json <file> --html <file>   reports (any combination, one run)
  --faults <spec> --seed <n> fault injection, e.g. "drop=0.05,delay=10ms~5ms,duplicate=0.01"
                             or targeted: "kill type=call fn=add nth=2, delay=4s fn=sleep dir=to-parent"
  --fuzz <n> [--fuzz-dir d]  send n malformed frames/payloads; failures saved under d
  --fuzz-values <n>          echo n generated values, compare each reply with the spec
  --replay <file>            send a saved fuzz case (or value case) again
  --timing / --no-timing     measure add's latency and throughput (target and reference)
                             in a filtered run too / not even in a whole-catalogue run
  --parallel <n>             run scenarios in n worker processes
  --record <file>            record every worker session (simulator trace format) for sim-replay
  --target <spec>            one more target (reference, service:<id>, cmd:<command>, a script): a matrix
  --jobs <n>                 targets at once with --target (default 2)
  --quiet                    only the summary line

Exit codes: 0 conformant, 1 conformance failures, 2 usage or setup error, 130 interrupted.
`;
