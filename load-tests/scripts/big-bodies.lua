-- wrk script: 1-h-delayed publishes with ~1 MiB bodies, to check that many large bodies at once cannot
-- exhaust a node's heap (limits.max-body-bytes-in-flight). QSTASH_TOKEN must be set.
--   wrk -t2 -c512 -d10s -s load-tests/scripts/big-bodies.lua http://127.0.0.1:8080/v2/publish/http://127.0.0.1:9/x
-- against a node started with java -Xmx256m -jar target/courier.jar: expect 503s, no OutOfMemoryError.
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("QSTASH_TOKEN")
wrk.headers["Content-Type"] = "application/octet-stream"
wrk.headers["Upstash-Delay"] = "1h"
wrk.body = string.rep("x", 1048000)

