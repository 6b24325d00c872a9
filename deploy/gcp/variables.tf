variable "project" {
  description = "Google Cloud project id."
  type        = string
}

variable "region" {
  description = "Region of the instance group, Cloud SQL, Memorystore and the bucket."
  type        = string
  default     = "europe-west1"
}

variable "domain" {
  description = "Public host name (an A record to the `lb_ip` output); its certificate is Google-managed."
  type        = string
}

variable "image" {
  description = "The Chirp container image (cloudbuild.yaml pushes it to Artifact Registry as :latest)."
  type        = string
}

variable "machine_type" {
  description = "VM type of a node (docs/capacity.md: one node per 2 vCPUs' worth of load)."
  type        = string
  default     = "e2-standard-2"
}

variable "workers_per_node" {
  description = "chirp serve processes per VM (CHIRP_WORKERS): one per vCPU."
  type        = number
  default     = 2
}

variable "min_nodes" {
  description = "Fewest VMs the autoscaler keeps (two or more: one may die or be replaced)."
  type        = number
  default     = 2
}

variable "max_nodes" {
  description = "Most VMs the autoscaler adds."
  type        = number
  default     = 10
}

variable "db_tier" {
  description = "Cloud SQL machine tier."
  type        = string
  default     = "db-custom-2-7680"
}

variable "db_disk_gb" {
  description = "Cloud SQL SSD size (grows automatically; IOPS scale with it)."
  type        = number
  default     = 50
}

variable "db_pool_per_process" {
  description = "PostgreSQL connections each chirp process keeps at most (its psycopg pool)."
  type        = number
  default     = 10
}

variable "redis_memory_gb" {
  description = "Memorystore capacity (the replay history and rate-limit counters; docs/capacity.md)."
  type        = number
  default     = 1
}

variable "alert_email" {
  description = "Where Cloud Monitoring sends alerts (empty: no notification channel)."
  type        = string
  default     = ""
}
