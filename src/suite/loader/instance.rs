//! `instance:` and a check's `variant:`: the command, its directory and environment,
//! readiness, and how the service is stopped.

use super::*;

impl Validator<'_> {
    pub(in crate::suite) fn instance(&mut self, raw: InstanceRaw, known: &Known) -> InstanceSpec {
        let f = "instance";
        let command = self.command(&raw.command, "instance.command", known);
        let cwd = raw.cwd.map(|c| {
            let t = self.template(
                Value::String(c.value.clone()),
                c.referenced,
                "instance.cwd",
                known,
            );
            // A literal directory is checked now; one with `${...}` when the instance starts.
            if t.refs().is_empty() {
                self.existing_dir(&c.value.replace("$${", "${"), c.referenced, "instance.cwd");
            }
            t
        });
        let env = self.env(raw.env, &format!("{f}.env"), known);
        // A port written as text (`${port}`) is expanded when the suite loads.
        let port_value = raw.port.as_ref().map(|p| match &p.value {
            Value::String(s) => match self.now(s, p.referenced, "instance.port") {
                Some(t) => t
                    .parse::<u64>()
                    .map(Value::from)
                    .unwrap_or(Value::String(t)),
                None => Value::String("auto".into()),
            },
            other => other.clone(),
        });
        let port = match (&raw.port, &port_value) {
            (None, _) | (_, None) => None,
            (Some(p), Some(value)) => match value {
                Value::String(s) if s == "auto" => None,
                Value::Number(n) if n.as_u64().is_some_and(|n| (1..=65535).contains(&n)) => {
                    n.as_u64().map(|n| n as u16)
                }
                other => {
                    self.err(
                        p.referenced,
                        "instance.port",
                        format!("expected `auto` or a port number, found `{other}`"),
                    );
                    None
                }
            },
        };
        let ready = match raw.ready {
            None => ReadySpec {
                probe: ReadyProbe::Tcp,
                timeout: DEFAULT_READY_TIMEOUT,
            },
            Some(r) => self.ready(
                r,
                "instance.ready",
                known,
                ReadySpec {
                    probe: ReadyProbe::Tcp,
                    timeout: DEFAULT_READY_TIMEOUT,
                },
            ),
        };
        let stop = match raw.stop {
            None => StopSpec {
                signal: nix::sys::signal::Signal::SIGTERM,
                grace: DEFAULT_GRACE,
            },
            Some(mut s) => {
                use nix::sys::signal::Signal::*;
                if let Some(sig) = &mut s.signal {
                    self.expand_now(&mut sig.value, sig.referenced, "instance.stop.signal");
                }
                let grace = self.duration(&s.grace, "instance.stop.grace", DEFAULT_GRACE);
                let signal = match s.signal.as_ref().map(|s| s.value.to_ascii_lowercase()) {
                    None => SIGTERM,
                    Some(name) => match name.trim_start_matches("sig") {
                        "term" => SIGTERM,
                        "int" => SIGINT,
                        "hup" => SIGHUP,
                        "quit" => SIGQUIT,
                        "kill" => SIGKILL,
                        other => {
                            let loc = s
                                .signal
                                .as_ref()
                                .map(|s| s.referenced)
                                .unwrap_or(Location::UNKNOWN);
                            self.err(
                                loc,
                                "instance.stop.signal",
                                format!("unknown signal `{other}`"),
                            )
                            .hint = Some(crate::suggest::one_of(
                                other,
                                &["term", "int", "hup", "quit", "kill"],
                            ));
                            SIGTERM
                        }
                    },
                };
                StopSpec { signal, grace }
            }
        };
        InstanceSpec {
            command,
            dir: self.dir.clone(),
            cwd,
            env,
            port,
            ready,
            stop,
        }
    }

    /// A readiness probe; `base` supplies what `r` leaves out (a variant keeps the suite's
    /// timeout when it only changes the probe).
    pub(in crate::suite) fn ready(
        &mut self,
        r: raw::ReadyRaw,
        field: &str,
        known: &Known,
        base: ReadySpec,
    ) -> ReadySpec {
        let timeout = self.duration(&r.timeout, &format!("{field}.timeout"), base.timeout);
        let n = r.http.is_some() as u8 + r.tcp.unwrap_or(false) as u8 + r.log.is_some() as u8;
        let probe = match (r.http, r.tcp, r.log) {
            (http, _, log) if n > 1 => {
                let loc = http
                    .map(|h| h.referenced)
                    .or(log.map(|l| l.referenced))
                    .unwrap_or(Location::UNKNOWN);
                self.err(loc, field, "set only one of `http`, `tcp` or `log`");
                ReadyProbe::Tcp
            }
            (Some(path), _, _) => {
                let status = match &r.status {
                    Some(s) => self.status(s, &format!("{field}.status")),
                    None => StatusMatcher::new(vec![(200, 399)], "200-399".into()),
                };
                ReadyProbe::Http {
                    path: self.template(
                        Value::String(path.value.clone()),
                        path.referenced,
                        &format!("{field}.http"),
                        known,
                    ),
                    status,
                }
            }
            (_, _, Some(log)) => {
                match self.regex(&log.value, log.referenced, &format!("{field}.log")) {
                    Some(re) => ReadyProbe::Log(re),
                    None => ReadyProbe::Tcp,
                }
            }
            (_, Some(true), _) => ReadyProbe::Tcp,
            _ => base.probe,
        };
        ReadySpec { probe, timeout }
    }

    pub(in crate::suite) fn variant(
        &mut self,
        v: raw::VariantRaw,
        base: &InstanceSpec,
        field: &str,
        known: &Known,
    ) -> VariantSpec {
        let mut instance = base.clone();
        for (k, val) in v.env {
            let t = self.template(
                Value::String(val.value),
                val.referenced,
                &format!("{field}.env.{k}"),
                known,
            );
            instance.env.retain(|(name, _)| name != &k);
            instance.env.push((k, t));
        }
        for a in v.args {
            let t = self.template(
                Value::String(a.value),
                a.referenced,
                &format!("{field}.args"),
                known,
            );
            instance.command.push(t);
        }
        if let Some(r) = v.ready {
            instance.ready = self.ready(r, &format!("{field}.ready"), known, base.ready.clone());
        }
        let break_command = v
            .break_
            .map(|b| self.command(&b, &format!("{field}.break"), known));
        let setup = match v.setup {
            None | Some(raw::VariantSetupRaw::Enabled(true)) => VariantSetup::Suite,
            Some(raw::VariantSetupRaw::Enabled(false)) => VariantSetup::Skip,
            Some(raw::VariantSetupRaw::Steps(steps)) => {
                VariantSetup::Own(self.steps(&steps, &format!("{field}.setup"), &mut known.clone()))
            }
        };
        VariantSpec {
            instance,
            break_command,
            setup,
        }
    }
}
