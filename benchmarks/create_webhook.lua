-- POST /v2/webhooks with a fresh idempotencyKey per request (idempotency on, nothing deduplicated).
local counter = 0
local next_thread = 0

function setup(thread)
  next_thread = next_thread + 1
  thread:set("thread_id", next_thread)
end

function request()
  counter = counter + 1
  local body = string.format(
    '{"eventTypes":["ACTOR.RUN.SUCCEEDED"],"condition":{"actorId":"%s"},' ..
    '"requestUrl":"http://127.0.0.1:9/hook","idempotencyKey":"k-%d-%d"}',
    os.getenv("ACTOR_ID") or "abcdefghijklmnopq", thread_id or 0, counter)
  return wrk.format("POST", "/v2/webhooks", {
    ["Authorization"] = "Bearer " .. (os.getenv("TOKEN") or ""),
    ["Content-Type"] = "application/json",
  }, body)
end
