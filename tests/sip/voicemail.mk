# Voicemail (mod_voicemail, issue 10): deposit on busy / no answer with
# known audio, MWI subscriptions, kill -9 in mid-recording, retrieval with
# RFC 4733 keys, a baresip phone leaving a message, redirect on busy.
VOICEMAIL_TESTS = tests/sip/test_vm_deposit.sh tests/sip/test_vm_crash.sh \
	tests/sip/test_vm_retrieve.sh tests/sip/test_vm_baresip.sh tests/sip/test_vm_redirect.sh \
	tests/sip/test_vm_options.sh tests/sip/test_vm_media.sh \
	tests/sip/test_vm_reload.sh tests/sip/test_vm_greeting.sh \
	tests/sip/test_vm_takeover.sh tests/sip/test_sample_office.sh tests/sip/test_vm_limits.sh
TESTS += $(VOICEMAIL_TESTS)
EXTRA_DIST += $(VOICEMAIL_TESTS) tests/sip/vm_lib.sh tests/sip/vm_media.py \
	tests/sip/vm_baresip.py tests/sip/sample_office.py
CLEANFILES += tests/sounds.lock
clean-local: clean-sounds
clean-sounds:
	rm -rf tests/sounds tests/sounds.tmp*
.PHONY: clean-sounds
