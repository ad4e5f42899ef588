/* U-Boot at power on, for tests of the U-Boot slot backend: the boot count
 * logic of CONFIG_BOOTCOUNT_LIMIT with CONFIG_BOOTCOUNT_ENV and the
 * altbootcmd of docs/ota.md, on the environment of a fw_env.config. Two
 * implementations that share no code with the backend: one over
 * libubootenv, one over the fw_printenv and fw_setenv programs. */
#ifndef MT_TEST_UBOOT_SIM_H
#define MT_TEST_UBOOT_SIM_H

/* One power on through libubootenv: the slot U-Boot boots ('A' or 'B'),
 * 0 when it finds no valid environment, or '?' when boot_slot is neither.
 * *saves gets the number of saveenv it made (0, 1 or 2). */
char mt_test_uboot_power_on(const char *fw_env_config, int *saves);

/* The same, through `fw_printenv -n` and `fw_setenv -s` (one saveenv per
 * script). Fails the test if a program fails. */
char mt_test_uboot_power_on_tools(const char *fw_env_config, int *saves);

/* The value of name as `fw_printenv -c config -n name` prints it (without
 * the newline) into out; "" when fw_printenv fails (no such variable). */
void mt_test_fw_printenv(const char *fw_env_config, const char *name, char *out, unsigned cap);

#endif
