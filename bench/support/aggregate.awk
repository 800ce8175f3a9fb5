# One pass over SGACLHIT syslog: hits and events per flow key.
BEGIN { FS = "'" }
/%RBM-[0-9]-SGACLHIT:/ {
  sgt = ""; dgt = ""; p = ""; sp = 0; dp = 0; h = 0
  for (i = 1; i < NF; i += 2) {
    k = $i; sub(/^.* /, "", k); v = $(i + 1)
    if (k == "sgt=") sgt = v
    else if (k == "dgt=") dgt = v
    else if (k == "protocol=") p = tolower(v)
    else if (k == "src-port=") sp = v + 0
    else if (k == "dest-port=") dp = v + 0
    else if (k == "logging_interval_hits=") h = v + 0
  }
  if (sgt == "" || dgt == "") next
  icmp = (p == "icmp" || p == "icmpv6")
  s = (icmp || sp == 0 || sp >= 1024) ? "any" : sp
  d = (icmp || dp == 0) ? "any" : dp
  key = sgt "-" dgt "-" p "-" s "-" d
  hits[key] += h; events[key]++
}
END { for (k in hits) print k, hits[k], events[k] }
