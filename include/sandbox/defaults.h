/* Built-in defaults, set at configure time. */
#ifndef SANDBOX_DEFAULTS_H
#define SANDBOX_DEFAULTS_H

#ifndef SBX_SYSCONFDIR
#define SBX_SYSCONFDIR "/etc"
#endif

/* The main configuration file; its drop-ins are in pam_sandbox.d/ beside it. */
#define SBX_DEFAULT_CONF SBX_SYSCONFDIR "/security/pam_sandbox.conf"
/* Where the PAM module keeps its compiled copy of the configuration
 * (module argument cache=, see sbx_config_load_cached): the default state
 * directory, which is on /run and does not outlive a reboot. */
#define SBX_DEFAULT_CACHE_DIR "/run/pam_sandbox"

#endif
