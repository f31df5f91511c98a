-- wrk script: a 1-h-delayed publish with a ~200-byte JSON body, as in the bench's target 3.
-- QSTASH_TOKEN must be set (the token Courier printed on first start).
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("QSTASH_TOKEN")
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Upstash-Delay"] = "1h"
wrk.body = '{"seq":1,"payload":"' .. string.rep("x", 170) .. '"}'
