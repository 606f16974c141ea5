-- Argo CD health check for knowledge.kbwarden.io/KnowledgeBase (kbwarden).
--
-- It reads what kbwarden writes in status: observedGeneration, the kstatus
-- conditions Reconciling and Stalled (present only while true), the Ready
-- summary, and status.ingestion.lastJob. Messages are the conditions' own.
--
--   Progressing  deleting; generation not reconciled yet; Reconciling True;
--                no Ready yet; Ready Unknown, or False for a reason that
--                passes by itself (NotEvaluated, InProgress, Pending, ...)
--   Suspended    spec.suspend is true
--   Degraded     Stalled True; the last ingestion job FAILED; Ready False
--                for any other reason (Drifted, BucketNotFound, AccessDenied,
--                MalformedPolicy, InvalidSpec, ...)
--   Healthy      Ready True
--
-- Only Lua's base library is used: Argo CD runs a check taken from argocd-cm
-- without the string library unless useOpenLibs is set for the kind.
-- Keep config/argocd/README.md identical (go test ./test/argocd -update).

local function condition(conditionType)
  if obj.status == nil or obj.status.conditions == nil then
    return nil
  end
  for _, c in ipairs(obj.status.conditions) do
    if c.type == conditionType then
      return c
    end
  end
  return nil
end

local function isTrue(c)
  return c ~= nil and c.status == "True"
end

local function messageOf(c, fallback)
  if c ~= nil and c.message ~= nil and c.message ~= "" then
    return c.message
  end
  if c ~= nil and c.reason ~= nil and c.reason ~= "" then
    return c.reason
  end
  return fallback
end

local function health(status, message)
  return {status = status, message = message}
end

local spec = obj.spec or {}
local status = obj.status or {}
local metadata = obj.metadata or {}
local ready = condition("Ready")
local stalled = condition("Stalled")

if metadata.deletionTimestamp ~= nil then
  if isTrue(stalled) then
    return health("Degraded", "deletion is blocked: " .. messageOf(stalled, "Stalled"))
  end
  if ready ~= nil and ready.reason == "Deleting" then
    return health("Progressing", messageOf(ready, "Deleting"))
  end
  return health("Progressing", "the KnowledgeBase is being deleted")
end

if spec.suspend == true then
  if ready ~= nil and ready.reason == "Suspended" then
    return health("Suspended", messageOf(ready, "Suspended"))
  end
  return health("Suspended", "reconciliation is suspended (spec.suspend is true)")
end

local generation = metadata.generation
local observed = status.observedGeneration
if generation ~= nil then
  if observed == nil or observed < 1 then
    return health("Progressing", "waiting for kbwarden to reconcile the new KnowledgeBase")
  end
  if observed < generation then
    return health("Progressing", "waiting for kbwarden to reconcile generation " .. generation ..
      " (status is from generation " .. observed .. ")")
  end
end

local reconciling = condition("Reconciling")
if isTrue(reconciling) then
  return health("Progressing", messageOf(reconciling, "Reconciling"))
end

if isTrue(stalled) then
  return health("Degraded", messageOf(stalled, "Stalled"))
end

local lastJob = nil
if status.ingestion ~= nil then
  lastJob = status.ingestion.lastJob
end
if lastJob ~= nil and lastJob.status == "FAILED" then
  local ingestion = condition("IngestionSucceeded")
  if ingestion ~= nil and ingestion.status == "False" then
    return health("Degraded", messageOf(ingestion, "the last ingestion job FAILED"))
  end
  local message = "ingestion job " .. tostring(lastJob.id) .. " FAILED"
  if lastJob.failureReasons ~= nil and lastJob.failureReasons[1] ~= nil then
    message = message .. ": " .. tostring(lastJob.failureReasons[1])
  end
  return health("Degraded", message)
end

if ready == nil then
  return health("Progressing", "waiting for kbwarden to report the Ready condition")
end
if ready.status == "True" then
  return health("Healthy", messageOf(ready, "Ready"))
end
if ready.status ~= "False" then
  return health("Progressing", messageOf(ready, "Ready is Unknown"))
end

-- Reasons that pass without a change to the spec or to AWS: work not done
-- yet, a job running or queued, a retry after throttling or a 5xx, or a
-- resumed KnowledgeBase whose Ready still says Suspended.
local passing = {
  NotEvaluated = true,
  Progressing = true,
  InProgress = true,
  Pending = true,
  Throttled = true,
  AWSError = true,
  Deleting = true,
  Suspended = true,
}
if passing[ready.reason] then
  return health("Progressing", messageOf(ready, ready.reason))
end
return health("Degraded", messageOf(ready, "Ready is False"))
