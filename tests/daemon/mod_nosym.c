/* A shared object that is not a tandem module (no tandem_module symbol). */
int mod_nosym_placeholder(void);
int mod_nosym_placeholder(void) { return 0; }
