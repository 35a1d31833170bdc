"""schemathesis hooks for tests/contract/run.sh.

A plugin upload's body is `application/wasm` (raw bytes); schemathesis has no
serializer for that media type, so it sends such bodies as it sends
`application/octet-stream`: the bytes as they are.
"""

import schemathesis

schemathesis.serializer.alias("application/wasm", "application/octet-stream")
