// The parts of libsystemd that jesterd uses: readiness and status notification,
// socket activation, and native journal entries.
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
