# codat-register on Cloud Run: the web tier (service), the migration and the reminder sweep (jobs),
# the sweep's schedule, Cloud SQL for PostgreSQL, the bot's settings in Secret Manager (the secrets,
# not their values), and the identities with exactly the permissions they need.
# Order of the first apply and of every release: deploy/README.md > Terraform.

data "google_project" "this" {
  project_id = var.project_id
}

locals {
  apis = [
    "run.googleapis.com",
    "artifactregistry.googleapis.com",
    "cloudbuild.googleapis.com",
    "secretmanager.googleapis.com",
    "sqladmin.googleapis.com",
    "cloudscheduler.googleapis.com",
    "iam.googleapis.com",
    "logging.googleapis.com",
  ]

  image      = var.image != "" ? var.image : "${var.region}-docker.pkg.dev/${var.project_id}/${var.artifact_repository}/codat-register:${var.image_tag}"
  public_url = var.public_url != "" ? var.public_url : "https://${var.service_name}-${data.google_project.this.number}.${var.region}.run.app"

  # The bot's own settings kept in Secret Manager: environment variable => secret id. Hyphenated
  # ids never collide with the credential secrets the bot creates ("codat-register_…").
  settings_secrets = merge(
    {
      SLACK_BOT_TOKEN      = "codat-register-slack-bot-token"
      SLACK_SIGNING_SECRET = "codat-register-slack-signing-secret"
      FINGERPRINT_KEY      = "codat-register-fingerprint-key"
      DATABASE_URL         = "codat-register-database-url"
    },
    var.enable_codat_api_key ? { CODAT_API_KEY = "codat-register-codat-api-key" } : {},
  )

  # Write-only: create secrets and add versions; no versions.access, no secrets.get, never
  # roles/secretmanager.admin (README > Secrets > Least-privilege IAM). secrets.update writes a
  # credential's expiry date (annotation expires-at, with ROTATION_TOPIC the rotation schedule) on
  # a secret that exists already; without it the bot still keeps and reminds the date. Four eyes
  # (PRODUCTION_APPROVALS above 0) keeps a production version disabled until approved, then
  # enables it: versions.disable and versions.enable; DISABLE_PREVIOUS_VERSIONS needs disable too.
  writer_permissions = distinct(concat(
    ["secretmanager.secrets.create", "secretmanager.versions.add", "secretmanager.secrets.update"],
    var.production_approvals > 0 ? ["secretmanager.versions.disable", "secretmanager.versions.enable"] : [],
    var.disable_previous_versions ? ["secretmanager.versions.disable"] : [],
  ))

  common_env = merge(
    {
      APP_ENV                   = "production"
      LOG_FORMAT                = "json"
      LOG_LEVEL                 = var.log_level
      GCP_PROJECT_ID            = var.project_id
      RUN_SCHEDULER             = "false" # reminders come from the sweep job
      DISABLE_PREVIOUS_VERSIONS = tostring(var.disable_previous_versions)
      PRODUCTION_APPROVALS      = tostring(var.production_approvals)
      PUBLIC_URL                = local.public_url
    },
    length(var.secret_replication_locations) > 0 ? { SECRET_REPLICATION_LOCATIONS = join(",", var.secret_replication_locations) } : {},
    var.extra_env,
  )
  service_env = merge(local.common_env, {
    WEB_WORKERS     = tostring(var.web_workers)
    WEB_THREADS     = tostring(var.web_threads)
    METRICS_ENABLED = tostring(var.metrics_enabled)
  })
  job_env = merge(local.common_env, {
    METRICS_ENABLED = "false" # nothing scrapes a one-shot job
  })

  cloudsql_mount = "/cloudsql"
  scheduler_uri  = "https://${var.region}-run.googleapis.com/apis/run.googleapis.com/v1/namespaces/${data.google_project.this.number}/jobs/${var.sweep_job_name}:run"
}

# --- APIs ---------------------------------------------------------------------------------------

resource "google_project_service" "apis" {
  for_each           = toset(local.apis)
  project            = var.project_id
  service            = each.value
  disable_on_destroy = false
}

# --- images -------------------------------------------------------------------------------------

resource "google_artifact_registry_repository" "images" {
  project       = var.project_id
  location      = var.region
  repository_id = var.artifact_repository
  format        = "DOCKER"
  description   = "codat-register container images"
  depends_on    = [google_project_service.apis]
}

# --- identities and permissions -------------------------------------------------------------------

resource "google_service_account" "codat_register" {
  project      = var.project_id
  account_id   = var.runtime_service_account_id
  display_name = "codat-register Slack bot"
  depends_on   = [google_project_service.apis]
}

resource "google_service_account" "scheduler" {
  project      = var.project_id
  account_id   = var.scheduler_service_account_id
  display_name = "codat-register sweep trigger (Cloud Scheduler)"
  depends_on   = [google_project_service.apis]
}

resource "google_project_iam_custom_role" "codat_register" {
  project     = var.project_id
  role_id     = var.writer_role_id
  title       = "codat-register (write-only secrets)"
  description = "Create secrets, add versions, update their metadata; cannot read, list or delete them"
  permissions = local.writer_permissions
}

resource "google_project_iam_member" "codat_register" {
  project = var.project_id
  role    = google_project_iam_custom_role.codat_register.name
  member  = "serviceAccount:${google_service_account.codat_register.email}"
}

resource "google_project_iam_member" "codat_register_sql_client" {
  project = var.project_id
  role    = "roles/cloudsql.client"
  member  = "serviceAccount:${google_service_account.codat_register.email}"
}

# --- the bot's settings in Secret Manager (values are added outside Terraform) --------------------

resource "google_secret_manager_secret" "settings" {
  for_each  = local.settings_secrets
  project   = var.project_id
  secret_id = each.value
  labels = {
    app     = "codat-register"
    purpose = "settings"
  }

  replication {
    dynamic "auto" {
      for_each = length(var.secret_replication_locations) == 0 ? [1] : []
      content {}
    }
    dynamic "user_managed" {
      for_each = length(var.secret_replication_locations) > 0 ? [1] : []
      content {
        dynamic "replicas" {
          for_each = var.secret_replication_locations
          content {
            location = replicas.value
          }
        }
      }
    }
  }

  depends_on = [google_project_service.apis]
}

# secretAccessor on each settings secret only: the bot can read its own settings, and no other
# secret (least of all the credentials it stores).
resource "google_secret_manager_secret_iam_member" "codat_register_reads_settings" {
  for_each  = google_secret_manager_secret.settings
  project   = var.project_id
  secret_id = each.value.secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.codat_register.email}"
}

# --- Cloud SQL for PostgreSQL ---------------------------------------------------------------------

resource "google_sql_database_instance" "main" {
  project             = var.project_id
  name                = var.sql_instance_name
  region              = var.region
  database_version    = var.sql_database_version
  deletion_protection = var.deletion_protection

  settings {
    edition                     = "ENTERPRISE" # allows the small shared-core tiers
    tier                        = var.sql_tier
    availability_type           = var.sql_availability_type
    disk_type                   = "PD_SSD"
    disk_size                   = 10
    disk_autoresize             = true
    deletion_protection_enabled = var.deletion_protection

    backup_configuration {
      enabled                        = true
      start_time                     = "03:00"
      point_in_time_recovery_enabled = true
    }

    # Public IP without authorized networks: only the Cloud SQL connector (IAM-checked, encrypted)
    # that Cloud Run uses can reach it.
    ip_configuration {
      ipv4_enabled = true
    }
  }

  depends_on = [google_project_service.apis]
}

resource "google_sql_database" "bot" {
  project  = var.project_id
  name     = var.database_name
  instance = google_sql_database_instance.main.name
}

# PostgreSQL users need a password at creation. With manage_database_url = false this one is only
# the initial password, which you replace at once (deploy/README.md > Terraform).
resource "random_password" "database" {
  length  = 32
  special = false # URL-safe: no escaping inside DATABASE_URL
}

resource "google_sql_user" "bot" {
  project         = var.project_id
  name            = var.database_user
  instance        = google_sql_database_instance.main.name
  password        = random_password.database.result
  deletion_policy = "ABANDON" # a PostgreSQL role that owns tables cannot be dropped anyway

  lifecycle {
    ignore_changes = [password] # rotations happen outside Terraform (deploy/README.md)
  }
}

resource "google_secret_manager_secret_version" "database_url" {
  count       = var.manage_database_url ? 1 : 0
  secret      = google_secret_manager_secret.settings["DATABASE_URL"].id
  secret_data = "postgresql+psycopg://${google_sql_user.bot.name}:${random_password.database.result}@/${google_sql_database.bot.name}?host=${local.cloudsql_mount}/${google_sql_database_instance.main.connection_name}"
}

# --- Cloud Run: the service (web tier) ------------------------------------------------------------

resource "google_cloud_run_v2_service" "bot" {
  project             = var.project_id
  name                = var.service_name
  location            = var.region
  ingress             = "INGRESS_TRAFFIC_ALL" # Slack's requests carry no Google identity
  deletion_protection = var.deletion_protection

  template {
    service_account                  = google_service_account.codat_register.email
    timeout                          = "60s"
    execution_environment            = "EXECUTION_ENVIRONMENT_GEN2"
    max_instance_request_concurrency = var.web_workers * var.web_threads

    scaling {
      min_instance_count = var.min_instances
      max_instance_count = var.max_instances
    }

    volumes {
      name = "cloudsql"
      cloud_sql_instance {
        instances = [google_sql_database_instance.main.connection_name]
      }
    }

    containers {
      image = local.image # CMD: python app.py serve

      ports {
        container_port = 8080 # Cloud Run passes it as PORT
      }

      resources {
        limits = {
          cpu    = var.cpu
          memory = var.memory
        }
        # CPU stays allocated after the response: the bot acks Slack first, then does the slow
        # work (modals, DMs, vault writes) in background threads.
        cpu_idle          = false
        startup_cpu_boost = true
      }

      dynamic "env" {
        for_each = local.service_env
        content {
          name  = env.key
          value = env.value
        }
      }

      dynamic "env" {
        for_each = local.settings_secrets
        content {
          name = env.key
          value_source {
            secret_key_ref {
              secret  = google_secret_manager_secret.settings[env.key].secret_id
              version = "latest"
            }
          }
        }
      }

      volume_mounts {
        name       = "cloudsql"
        mount_path = local.cloudsql_mount
      }

      # Traffic only once the database answers; restarted if the process stops answering.
      startup_probe {
        http_get {
          path = "/readyz"
          port = 8080
        }
        period_seconds    = 3 # the timeout must be shorter than the period
        timeout_seconds   = 2
        failure_threshold = 20
      }

      liveness_probe {
        http_get {
          path = "/healthz"
          port = 8080
        }
        period_seconds    = 30
        timeout_seconds   = 5
        failure_threshold = 3
      }
    }
  }

  depends_on = [
    google_project_iam_member.codat_register,
    google_project_iam_member.codat_register_sql_client,
    google_secret_manager_secret_iam_member.codat_register_reads_settings,
    google_secret_manager_secret_version.database_url,
  ]
}

# Unauthenticated ingress: anyone may reach the service; the bot accepts only requests that carry
# a valid Slack signature (SLACK_SIGNING_SECRET).
resource "google_cloud_run_v2_service_iam_member" "public" {
  project  = var.project_id
  location = var.region
  name     = google_cloud_run_v2_service.bot.name
  role     = "roles/run.invoker"
  member   = "allUsers"
}

# --- Cloud Run: the jobs --------------------------------------------------------------------------

resource "google_cloud_run_v2_job" "migrate" {
  project             = var.project_id
  name                = var.migrate_job_name
  location            = var.region
  deletion_protection = false

  template {
    task_count  = 1
    parallelism = 1

    template {
      service_account = google_service_account.codat_register.email
      timeout         = "600s"
      max_retries     = 0

      volumes {
        name = "cloudsql"
        cloud_sql_instance {
          instances = [google_sql_database_instance.main.connection_name]
        }
      }

      containers {
        image = local.image
        args  = ["python", "app.py", "migrate"] # replaces CMD; ENTRYPOINT (tini) stays

        resources {
          limits = {
            cpu    = "1"
            memory = "512Mi"
          }
        }

        dynamic "env" {
          for_each = local.job_env
          content {
            name  = env.key
            value = env.value
          }
        }

        dynamic "env" {
          for_each = local.settings_secrets
          content {
            name = env.key
            value_source {
              secret_key_ref {
                secret  = google_secret_manager_secret.settings[env.key].secret_id
                version = "latest"
              }
            }
          }
        }

        volume_mounts {
          name       = "cloudsql"
          mount_path = local.cloudsql_mount
        }
      }
    }
  }

  depends_on = [
    google_project_iam_member.codat_register,
    google_project_iam_member.codat_register_sql_client,
    google_secret_manager_secret_iam_member.codat_register_reads_settings,
    google_secret_manager_secret_version.database_url,
    google_sql_database.bot,
    google_sql_user.bot,
  ]
}

resource "google_cloud_run_v2_job" "sweep" {
  project             = var.project_id
  name                = var.sweep_job_name
  location            = var.region
  deletion_protection = false

  template {
    task_count  = 1
    parallelism = 1

    template {
      service_account = google_service_account.codat_register.email
      timeout         = var.sweep_task_timeout
      max_retries     = 0 # the next minute's sweep picks up what this one left

      volumes {
        name = "cloudsql"
        cloud_sql_instance {
          instances = [google_sql_database_instance.main.connection_name]
        }
      }

      containers {
        image = local.image
        args  = ["python", "app.py", "sweep"] # one sweep, exit 0

        resources {
          limits = {
            cpu    = "1"
            memory = "512Mi"
          }
        }

        dynamic "env" {
          for_each = local.job_env
          content {
            name  = env.key
            value = env.value
          }
        }

        dynamic "env" {
          for_each = local.settings_secrets
          content {
            name = env.key
            value_source {
              secret_key_ref {
                secret  = google_secret_manager_secret.settings[env.key].secret_id
                version = "latest"
              }
            }
          }
        }

        volume_mounts {
          name       = "cloudsql"
          mount_path = local.cloudsql_mount
        }
      }
    }
  }

  depends_on = [
    google_project_iam_member.codat_register,
    google_project_iam_member.codat_register_sql_client,
    google_secret_manager_secret_iam_member.codat_register_reads_settings,
    google_secret_manager_secret_version.database_url,
  ]
}

# --- the sweep's schedule -------------------------------------------------------------------------

# The scheduler's service account may run the sweep job, and nothing else.
resource "google_cloud_run_v2_job_iam_member" "scheduler_runs_sweep" {
  project  = var.project_id
  location = var.region
  name     = google_cloud_run_v2_job.sweep.name
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.scheduler.email}"
}

resource "google_cloud_scheduler_job" "sweep" {
  project          = var.project_id
  region           = var.region
  name             = var.sweep_job_name
  description      = "codat-register: one reminder sweep a minute"
  schedule         = var.sweep_schedule
  time_zone        = var.sweep_time_zone
  attempt_deadline = "60s"

  retry_config {
    retry_count = 0 # a missed minute is caught up by the next sweep
  }

  http_target {
    http_method = "POST"
    uri         = local.scheduler_uri

    oauth_token {
      service_account_email = google_service_account.scheduler.email
      scope                 = "https://www.googleapis.com/auth/cloud-platform"
    }
  }

  depends_on = [
    google_project_service.apis,
    google_cloud_run_v2_job_iam_member.scheduler_runs_sweep,
  ]
}
