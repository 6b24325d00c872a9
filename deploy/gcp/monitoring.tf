# Cloud Monitoring: an uptime check on /readyz through the load balancer, alerts on it and on
# the balancer's 5xx ratio. Logs: the nodes write JSON lines (Cloud Logging's fields) through
# Docker's gcplogs driver; the balancer logs a sample of requests.

resource "google_monitoring_notification_channel" "email" {
  count        = var.alert_email == "" ? 0 : 1
  display_name = "Chirp on-call"
  type         = "email"
  labels = {
    email_address = var.alert_email
  }
}

resource "google_monitoring_uptime_check_config" "ready" {
  display_name = "chirp /readyz"
  timeout      = "10s"
  period       = "60s"

  http_check {
    path         = "/readyz"
    port         = 443
    use_ssl      = true
    validate_ssl = true
  }

  monitored_resource {
    type = "uptime_url"
    labels = {
      project_id = var.project
      host       = var.domain
    }
  }
}

resource "google_monitoring_alert_policy" "down" {
  display_name          = "Chirp unreachable"
  combiner              = "OR"
  notification_channels = google_monitoring_notification_channel.email[*].id

  conditions {
    display_name = "uptime check failing"
    condition_threshold {
      filter          = "metric.type=\"monitoring.googleapis.com/uptime_check/check_passed\" AND resource.type=\"uptime_url\" AND metric.label.check_id=\"${google_monitoring_uptime_check_config.ready.uptime_check_id}\""
      comparison      = "COMPARISON_GT"
      threshold_value = 1
      duration        = "120s"
      aggregations {
        alignment_period     = "60s"
        per_series_aligner   = "ALIGN_NEXT_OLDER"
        cross_series_reducer = "REDUCE_COUNT_FALSE"
        group_by_fields      = ["resource.label.host"]
      }
    }
  }
}

resource "google_monitoring_alert_policy" "errors" {
  display_name          = "Chirp 5xx above 1%"
  combiner              = "OR"
  notification_channels = google_monitoring_notification_channel.email[*].id

  conditions {
    display_name = "5xx ratio at the load balancer"
    condition_monitoring_query_language {
      duration = "300s"
      query    = <<-MQL
        fetch https_lb_rule
        | metric 'loadbalancing.googleapis.com/https/request_count'
        | filter resource.url_map_name == '${google_compute_url_map.chirp.name}'
        | align rate(5m)
        | group_by [], [errors: sum(if(metric.response_code_class = 500, val(), 0)), all: sum(val())]
        | value [ratio: errors / all]
        | condition ratio > 0.01
      MQL
    }
  }
}
