import Testing

/// Tests that train models or run jesterd, one at a time: they share two cores with the
/// other suites, and their bounded waits stay far from their limits that way.
@Suite(.serialized) enum OneAtATime {}
