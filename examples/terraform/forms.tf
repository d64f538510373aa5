# The pattern of the provider's guide (docs/guides/manage_forms.md): a form exported from the
# Dashboard (Forms → Export) kept as it is, its #CONN-n# / #FLOW-n# tokens replaced by
# references when the resources are made.

locals {
  survey      = jsondecode(file("${path.module}/exported_forms/survey.json"))
  survey_flow = local.survey["flows"]["#FLOW-1#"]
}

resource "auth0_flow" "survey" {
  name = local.survey_flow.name
  actions = replace(
    replace(jsonencode(local.survey_flow["actions"]), "#CONN-1#", auth0_flow_vault_connection.slack.id),
    "#CONN-2#", auth0_flow_vault_connection.users.id
  )
}

resource "auth0_form" "survey" {
  name   = local.survey.form.name
  start  = jsonencode(local.survey.form.start)
  nodes  = replace(jsonencode(local.survey.form.nodes), "#FLOW-1#", auth0_flow.survey.id)
  ending = jsonencode(local.survey.form.ending)
}
