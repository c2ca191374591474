import JesterCore
