/** Public surface of integrations/ssh: following remote log files over SSH/SFTP. */
export { type Backoff, backoffDelay, DEFAULT_BACKOFF } from './backoff.ts';
export { CIPHERS, connectSsh, type SshSession, type SshTarget } from './connect.ts';
export { HostKeyError, type HostKeyErrorCode, SshError, SshErrorCode } from './errors.ts';
export { SshFollower, type SshFollowerOptions } from './follower.ts';
export {
  checkHostKey,
  fingerprintOf,
  type HostKeyPolicy,
  hostMatches,
  type KnownHost,
  knownHostsName,
  parseKnownHosts,
} from './host-key.ts';
export { fileIdentity, IDENTITY_BYTES } from './identity.ts';
export { SshLink, type SshLinkOptions, type SshLinkStatus } from './link.ts';
export { type SshFollowersOptions, sshFollowers, sshSourceName, sshTarget } from './tail.ts';
