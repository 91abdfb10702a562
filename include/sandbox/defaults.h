/* Built-in defaults, set at configure time. */
#ifndef SANDBOX_DEFAULTS_H
#define SANDBOX_DEFAULTS_H

#ifndef SBX_SYSCONFDIR
#define SBX_SYSCONFDIR "/etc"
#endif

/* The main configuration file; its drop-ins are in pam_sandbox.d/ beside it. */
#define SBX_DEFAULT_CONF SBX_SYSCONFDIR "/security/pam_sandbox.conf"

#endif
