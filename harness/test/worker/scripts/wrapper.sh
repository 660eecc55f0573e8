#!/bin/sh
# A shell wrapper that does not exec: the worker is a grandchild of the parent. A sleeping straggler
# is left in the same process group; stop() must leave neither behind.
sleep 300 &
node --import tsx "$(dirname "$0")/../../../../src/conform/reference-worker.ts"
