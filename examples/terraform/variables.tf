variable "flows_client_secret" {
  description = "The client secret of the Flows M2M application (TF_VAR_flows_client_secret)"
  type        = string
  sensitive   = true
}

variable "slack_webhook_url" {
  type      = string
  sensitive = true
}
