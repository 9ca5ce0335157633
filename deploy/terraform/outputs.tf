output "service_url" {
  description = "The Cloud Run service's own URL."
  value       = google_cloud_run_v2_service.bot.uri
}

output "public_url" {
  description = "PUBLIC_URL given to the bot (Cloud Run's deterministic URL unless var.public_url)."
  value       = local.public_url
}

output "slack_request_url" {
  description = "Put this in the Slack app manifest: slash command url, event_subscriptions.request_url, interactivity.request_url."
  value       = "${local.public_url}/slack/events"
}

output "image" {
  description = "The image the service and jobs run; build it with: gcloud builds submit --tag <this>."
  value       = local.image
}

output "runtime_service_account" {
  description = "The bot's service account (write-only custom role, Cloud SQL Client, its own settings)."
  value       = google_service_account.codat_register.email
}

output "scheduler_service_account" {
  description = "Cloud Scheduler's service account (may run the sweep job only)."
  value       = google_service_account.scheduler.email
}

output "writer_role" {
  description = "The write-only Secret Manager custom role."
  value       = google_project_iam_custom_role.codat_register.name
}

output "sql_connection_name" {
  description = "PROJECT:REGION:INSTANCE, mounted under /cloudsql in the service and the jobs."
  value       = google_sql_database_instance.main.connection_name
}

output "settings_secrets" {
  description = "Environment variable => Secret Manager secret id. Add the values you hold: read -rs V && printf %s \"$V\" | gcloud secrets versions add ID --data-file=- ; unset V"
  value       = { for name, secret in google_secret_manager_secret.settings : name => secret.secret_id }
}

output "migrate_job" {
  description = "Run before serving a new image: gcloud run jobs execute <this> --region=REGION --wait"
  value       = google_cloud_run_v2_job.migrate.name
}

output "sweep_job" {
  description = "The reminder sweep job started every minute by Cloud Scheduler."
  value       = google_cloud_run_v2_job.sweep.name
}
