-- Argo CD health check for envstack environments: the PlatformEnvironment claim and the composite
-- (XPlatformEnvironment, or the namespaced PlatformEnvironment), which share the status the envstack
-- controller writes. Argo CD runs it with the live object in `obj` and reads the returned table.
--
--   Healthy      Ready=True, Synced not False, nothing blocking, drift within the threshold
--   Degraded     a blocking error, Synced=False, the controller's Degraded phase, or drift beyond the threshold
--   Progressing  everything else (no status yet, provisioning, deleting), with what it waits for
--
-- Drift threshold: an environment with more than DRIFT_THRESHOLD drifted fields is Degraded. An environment
-- can set its own with the annotation envstack.dev/health-drift-threshold (a whole number).
local DRIFT_THRESHOLD = 0

local hs = {}

local function condition(status, kind)
  if status == nil or status.conditions == nil then
    return nil
  end
  for _, c in ipairs(status.conditions) do
    if c.type == kind then
      return c
    end
  end
  return nil
end

local function describe(c)
  if c == nil then
    return ""
  end
  local text = c.reason or ""
  if c.message ~= nil and c.message ~= "" then
    if text ~= "" then
      text = text .. ": "
    end
    text = text .. c.message
  end
  return text
end

local function threshold()
  local annotations = obj.metadata and obj.metadata.annotations
  local value = annotations and tonumber(annotations["envstack.dev/health-drift-threshold"])
  if value ~= nil and value >= 0 and value == math.floor(value) then
    return value
  end
  return DRIFT_THRESHOLD
end

local function blocker(b)
  if b == nil then
    return ""
  end
  local why = b.message or ""
  if b.reason ~= nil and b.reason ~= "" then
    why = b.reason .. ": " .. why
  end
  return (b.kind or "resource") .. " " .. (b.resource or "?") .. ": " .. why
end

local function progress(status)
  if status.componentsReady ~= nil then
    return " (" .. status.componentsReady .. " resources ready)"
  end
  return ""
end

local status = obj.status
if obj.metadata ~= nil and obj.metadata.deletionTimestamp ~= nil then
  hs.status = "Progressing"
  hs.message = "Deleting" .. ((status and progress(status)) or "")
  if status ~= nil and status.blockingError ~= nil then
    hs.message = hs.message .. ", held up by " .. blocker(status.blockingError)
  end
  return hs
end
if status == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for Crossplane to compose the environment"
  return hs
end

local ready = condition(status, "Ready")
local synced = condition(status, "Synced")
local blocking = status.blockingError
local drift = status.drift
local limit = threshold()

if status.phase == "Deleting" then
  hs.status = "Progressing"
  hs.message = "Deleting" .. progress(status)
  if blocking ~= nil then
    hs.message = hs.message .. ", held up by " .. blocker(blocking)
  end
  return hs
end

if blocking ~= nil then
  hs.status = "Degraded"
  hs.message = "Blocked by " .. blocker(blocking)
  return hs
end

if synced ~= nil and synced.status == "False" then
  hs.status = "Degraded"
  hs.message = "Not synced: " .. describe(synced)
  return hs
end

if drift ~= nil and drift.count ~= nil and drift.count > limit then
  hs.status = "Degraded"
  local parts = {}
  if drift.spec ~= nil and drift.spec > 0 then
    table.insert(parts, drift.spec .. " spec")
  end
  if drift.cloud ~= nil and drift.cloud > 0 then
    table.insert(parts, drift.cloud .. " cloud")
  end
  local split = ""
  if #parts > 0 then
    split = " (" .. table.concat(parts, ", ") .. ")"
  end
  hs.message = drift.count .. " drifted fields" .. split .. ", more than the " .. limit .. " allowed"
  if drift.items ~= nil and drift.items[1] ~= nil then
    local first = drift.items[1]
    hs.message = hs.message .. "; first: " .. (first.kind or "") .. " " .. (first.resource or "") .. " " .. (first.field or "")
  end
  return hs
end

if status.phase == "Degraded" then
  hs.status = "Degraded"
  hs.message = "Degraded" .. progress(status)
  if ready ~= nil and ready.status ~= "True" and describe(ready) ~= "" then
    hs.message = hs.message .. ": " .. describe(ready)
  end
  return hs
end

if ready ~= nil and ready.status == "True" and (status.phase == nil or status.phase == "Ready") then
  hs.status = "Healthy"
  hs.message = "Ready" .. progress(status)
  if drift ~= nil and drift.count ~= nil and drift.count > 0 then
    hs.message = hs.message .. "; " .. drift.count .. " drifted fields (within the threshold of " .. limit .. ")"
  end
  return hs
end

hs.status = "Progressing"
hs.message = (status.phase or "Provisioning") .. progress(status)
if ready ~= nil and describe(ready) ~= "" then
  hs.message = hs.message .. ": " .. describe(ready)
end
return hs
