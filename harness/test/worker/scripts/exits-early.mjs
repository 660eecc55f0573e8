// A worker that fails during start-up: writes a diagnostic to stderr and exits 3.
process.stderr.write('boom: cannot load configuration\n');
process.exit(3);
