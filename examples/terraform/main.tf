# Inline resources: the JSON the provider keeps as strings, written with jsonencode.

locals {
  domain = "example-tenant.us.auth0.com"
}

resource "auth0_client" "flows" {
  name     = "Flows M2M"
  app_type = "non_interactive"
}

resource "auth0_client_grant" "flows" {
  client_id = auth0_client.flows.id
  audience  = "https://${local.domain}/api/v2/"
  scopes    = ["read:users"]
}

resource "auth0_flow_vault_connection" "users" {
  name   = "Users M2M"
  app_id = "AUTH0"
  setup = {
    type          = "OAUTH_APP"
    domain        = local.domain
    client_id     = auth0_client.flows.client_id
    client_secret = var.flows_client_secret
  }
}

resource "auth0_flow_vault_connection" "slack" {
  name   = "Team Slack"
  app_id = "SLACK"
  setup = {
    type = "WEBHOOK"
    url  = var.slack_webhook_url
  }
}

# `auth0 tf generate` wrote this block: the Slack connection already exists in the tenant.
import {
  to = auth0_flow_vault_connection.slack
  id = "ac_9f3kQ2xLmN4pR7sT"
}

resource "auth0_flow" "onboard" {
  name = "Onboard new user"
  actions = jsonencode([
    {
      id     = "get_user"
      type   = "AUTH0"
      action = "GET_USER"
      params = {
        connection_id = auth0_flow_vault_connection.users.id
        user_id       = "{{context.user.user_id}}"
      }
    },
    {
      id     = "mark_onboarded"
      type   = "AUTH0"
      action = "UPDATE_USER"
      params = {
        connection_id = auth0_flow_vault_connection.users.id
        user_id       = "{{context.user.user_id}}"
        changes       = { app_metadata = { onboarded = true } }
      }
    },
    {
      id     = "tell_the_team"
      type   = "SLACK"
      action = "POST_MESSAGE"
      params = {
        connection_id = "ac_9f3kQ2xLmN4pR7sT"
        text          = "{{actions.get_user.email}} is on board"
      }
    }
  ])
}
