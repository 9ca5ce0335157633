# --- where ----------------------------------------------------------------------------------

variable "project_id" {
  description = "Google Cloud project that runs the bot and holds the secrets (GCP_PROJECT_ID)."
  type        = string
}

variable "region" {
  description = "Region of Cloud Run, Cloud SQL, Artifact Registry and Cloud Scheduler."
  type        = string
  default     = "europe-west1"
}

# --- names ----------------------------------------------------------------------------------

variable "service_name" {
  description = "Cloud Run service (the web tier)."
  type        = string
  default     = "codat-register"
}

variable "migrate_job_name" {
  description = "Cloud Run job that runs `python app.py migrate`."
  type        = string
  default     = "codat-register-migrate"
}

variable "sweep_job_name" {
  description = "Cloud Run job that runs `python app.py sweep` (one reminder sweep)."
  type        = string
  default     = "codat-register-sweep"
}

variable "artifact_repository" {
  description = "Artifact Registry (Docker) repository id."
  type        = string
  default     = "codat-register"
}

variable "runtime_service_account_id" {
  description = "Account id of the bot's service account (README > Secrets uses codat-register)."
  type        = string
  default     = "codat-register"
}

variable "scheduler_service_account_id" {
  description = "Account id of the service account Cloud Scheduler uses to start the sweep job."
  type        = string
  default     = "codat-register-scheduler"
}

variable "writer_role_id" {
  description = "Id of the write-only Secret Manager custom role (README > Secrets)."
  type        = string
  default     = "codatRegisterWriter"
}

# --- image ------------------------------------------------------------------------------------

variable "image_tag" {
  description = "Tag of the image built by `gcloud builds submit` (e.g. the git commit)."
  type        = string
  default     = "latest"
}

variable "image" {
  description = "Full image reference; overrides the Artifact Registry image built from image_tag."
  type        = string
  default     = ""
}

# --- Cloud SQL --------------------------------------------------------------------------------

variable "sql_instance_name" {
  description = "Cloud SQL for PostgreSQL instance name."
  type        = string
  default     = "codat-register-pg"
}

variable "sql_database_version" {
  description = "PostgreSQL major version."
  type        = string
  default     = "POSTGRES_16"
}

variable "sql_tier" {
  description = "Machine tier. db-g1-small allows about 50 connections: keep max_instances x web_workers x web_threads below it, or pick a larger tier."
  type        = string
  default     = "db-g1-small"
}

variable "sql_availability_type" {
  description = "ZONAL, or REGIONAL for a standby in a second zone (about twice the price)."
  type        = string
  default     = "ZONAL"
  validation {
    condition     = contains(["ZONAL", "REGIONAL"], var.sql_availability_type)
    error_message = "sql_availability_type must be ZONAL or REGIONAL."
  }
}

variable "database_name" {
  description = "The bot's database."
  type        = string
  default     = "codat_register"
}

variable "database_user" {
  description = "The bot's database user (built-in authentication)."
  type        = string
  default     = "codat_register"
}

variable "manage_database_url" {
  description = "true: Terraform writes DATABASE_URL, with the password it generated, as a secret version (both then live in the Terraform state, so protect it). false: Terraform writes no version; you replace the generated initial password and add DATABASE_URL yourself (deploy/README.md > Terraform)."
  type        = bool
  default     = true
}

variable "deletion_protection" {
  description = "Protect the Cloud SQL instance and the Cloud Run service from `terraform destroy`."
  type        = bool
  default     = true
}

# --- web tier ---------------------------------------------------------------------------------

variable "min_instances" {
  description = "Warm instances. 0 is fine once the sweep is a job; 1 avoids cold starts beyond Slack's 3-second ack window."
  type        = number
  default     = 1
}

variable "max_instances" {
  description = "Upper bound of instances: keep max_instances x web_workers x web_threads (plus a few for the jobs) below the database's connection limit."
  type        = number
  default     = 2
}

variable "cpu" {
  description = "vCPUs per instance (a string, as Cloud Run takes it)."
  type        = string
  default     = "1"
}

variable "memory" {
  description = "Memory per instance."
  type        = string
  default     = "512Mi"
}

variable "web_workers" {
  description = "WEB_WORKERS: gunicorn worker processes per instance (about one per vCPU)."
  type        = number
  default     = 1
}

variable "web_threads" {
  description = "WEB_THREADS: request threads per worker."
  type        = number
  default     = 16
}

variable "public_url" {
  description = "PUBLIC_URL: the bot's public HTTPS base URL. Empty: Cloud Run's deterministic service URL https://SERVICE-PROJECT_NUMBER.REGION.run.app."
  type        = string
  default     = ""
}

# --- bot settings (README > Settings) ---------------------------------------------------------

variable "log_level" {
  description = "LOG_LEVEL."
  type        = string
  default     = "INFO"
}

variable "metrics_enabled" {
  description = "METRICS_ENABLED on the service. /metrics is then public like every path of the service (counts only, no user ids)."
  type        = bool
  default     = true
}

variable "secret_replication_locations" {
  description = "SECRET_REPLICATION_LOCATIONS, and the replication of the settings secrets: empty = automatic."
  type        = list(string)
  default     = []
}

variable "disable_previous_versions" {
  description = "DISABLE_PREVIOUS_VERSIONS; true also adds secretmanager.versions.disable to the custom role."
  type        = bool
  default     = false
}

variable "production_approvals" {
  description = "PRODUCTION_APPROVALS: admins besides the submitter who approve a production credential (0 = off); above 0 adds secretmanager.versions.disable and secretmanager.versions.enable to the custom role."
  type        = number
  default     = 1

  validation {
    condition     = var.production_approvals >= 0 && var.production_approvals <= 10 && floor(var.production_approvals) == var.production_approvals
    error_message = "production_approvals must be a whole number from 0 to 10."
  }
}

variable "enable_codat_api_key" {
  description = "Create a CODAT_API_KEY settings secret and pass it to the bot (Codat verification)."
  type        = bool
  default     = false
}

variable "extra_env" {
  description = "More plain (non-secret) settings for the service and the jobs, e.g. REMINDER_WORK_START_HOUR."
  type        = map(string)
  default     = {}
}

# --- reminder sweep ---------------------------------------------------------------------------

variable "sweep_schedule" {
  description = "Cloud Scheduler cron expression for the sweep job."
  type        = string
  default     = "* * * * *"
}

variable "sweep_time_zone" {
  description = "Time zone of sweep_schedule."
  type        = string
  default     = "Etc/UTC"
}

variable "sweep_task_timeout" {
  description = "Timeout of one sweep; keep it below REMINDER_CLAIM_LEASE_SECONDS (600 s by default)."
  type        = string
  default     = "540s"
}
