terraform {
  # Nothing newer than 1.5 is used (for_each, dynamic blocks, validation, optional -target).
  required_version = ">= 1.5"

  required_providers {
    google = {
      source = "hashicorp/google"
      # 6.x/7.x: deletion_protection on the Cloud Run v2 resources, settings.edition on Cloud SQL.
      version = ">= 6.0, < 8.0"
    }
    random = {
      source  = "hashicorp/random"
      version = ">= 3.5, < 4.0"
    }
  }

  # Keep the state in a GCS bucket that only the deployers can read: it holds the generated
  # database password (see var.manage_database_url). Create the bucket once, then uncomment:
  # backend "gcs" {
  #   bucket = "YOUR-PROJECT-tfstate"
  #   prefix = "codat-register"
  # }
}

provider "google" {
  project = var.project_id
  region  = var.region
}
