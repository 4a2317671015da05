import GatewayApp

// Kept to one line: closures written here would be main-actor isolated (see C-INTEROP.md).
await BMGW.start()
