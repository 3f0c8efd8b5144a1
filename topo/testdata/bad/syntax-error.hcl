lab "syntax" {
  timers = "fast
}
