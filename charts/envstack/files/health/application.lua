-- Argo CD health check for Application objects. Argo CD stopped assessing child Applications itself, so an
-- app-of-apps would start the environments wave before the envstack chart is healthy; with this check a
-- child Application reports the health Argo CD computed for it.
local hs = { status = "Progressing", message = "Waiting for the application to report its health" }
local health = obj.status and obj.status.health
if health ~= nil and health.status ~= nil then
  hs.status = health.status
  hs.message = health.message or ""
end
return hs
