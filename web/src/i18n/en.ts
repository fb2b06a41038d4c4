/**
 * Every English text of the app, in one place: a translation is a copy of this object with the same shape
 * (`Strings`), chosen in strings.ts. Texts with values are functions. Dates and times are not here: they are
 * formatted with `Intl` in the browser's language.
 */
export const en = {
  appName: 'MyLife',
  loading: 'Opening your messages…',
  openFailed: (reason: string) => `MyLife could not open its storage in this browser: ${reason}`,
  needsSecureContext: (origin: string) =>
    `it needs a secure connection, and ${origin} is not one. Open MyLife over https:// (or at http://localhost on ` +
    'the node’s own computer).',
  browserTooOld: 'this browser is too old for MyLife (it lacks Web Locks). Update it, or use another browser.',
  reload: 'Reload',
  skipToContent: 'Skip to content',
  login: {
    title: 'Log in to MyLife',
    lead: 'Your family’s messages, on your own server.',
    identity: 'Username or address',
    identityHint: (serverName: string) => `For example alice or alice@${serverName}`,
    identityHintUsername: 'For example alice',
    password: 'Password',
    submit: 'Log in',
    submitting: 'Logging in…',
    again: (address: string) => `Your session on this device has ended. Log in again as ${address} to carry on.`,
    cancel: 'Not now',
    wrongPassword: 'Wrong username or password. Check them and try again.',
    unreachable: (host: string) =>
      `Can't reach ${host}. Check your connection, or whether the server is running, and try again.`,
    throttled: (wait: string) => `Too many attempts. Try again ${wait}.`,
    throttledSoon: 'in a few minutes',
    otherServer: (server: string) => `That address belongs to ${server}. Open ${server}'s own web app to log in there.`,
    empty: 'Enter your username and password.',
  },
  shell: {
    nav: 'Main',
    chats: 'Chats',
    friends: 'Friends',
    devices: 'Devices',
    logout: 'Log out',
    loggingOut: 'Logging out…',
    signedInAs: 'Logged in as',
    title: (unread: number) => (unread > 0 ? `(${unread}) MyLife` : 'MyLife'),
  },
  tabs: {
    noOwner: 'MyLife is open in another tab that does not answer. Close the other MyLife tabs, or reload this one.',
    ownerClosed:
      'The MyLife tab that keeps your messages closed before it answered, so this may not have been done. Check, and try again.',
    otherVersion: 'Another MyLife tab runs a different version of the app. Reload all MyLife tabs.',
  },
  storage: {
    failing: (reason: string) =>
      `Your messages cannot be saved on this device (${reason}). Keep this tab open until they are sent, and free ` +
      'some space on this device, or allow this site to store data.',
  },
  connection: {
    offline: 'Offline. Messages you send are kept here and will be sent when the connection is back.',
    loggedOut: 'Logged out: the server no longer accepts this device’s session. Your messages are kept here.',
    loginAgain: 'Log in again',
  },
  chats: {
    title: 'Chats',
    list: 'Conversations',
    empty: 'No conversations yet.',
    emptyHint: 'Add a friend, then say hello.',
    findFriends: 'Invite someone',
    you: (text: string) => `You: ${text}`,
    unread: (count: number) => (count === 1 ? '1 unread message' : `${count} unread messages`),
    pick: 'Choose a conversation',
    pickHint: 'Your messages stay on this device too, so you can read them offline.',
  },
  conversation: {
    back: 'Back',
    log: (address: string) => `Messages with ${address}`,
    empty: 'No messages yet. Say hello!',
    loadOlder: 'Load older messages',
    loadingOlder: 'Loading older messages…',
    start: 'This is the start of your conversation.',
    newMessages: 'New messages',
    unreadBelow: 'Unread messages',
    composer: 'Message',
    placeholder: 'Write a message',
    send: 'Send',
    composerHint: 'Enter sends, Shift+Enter starts a new line.',
    notFriends: (name: string) => `You and ${name} are not friends right now, so new messages cannot be delivered.`,
    notFriendsAction: 'Invite again from Friends',
    ticks: {
      pending: 'Pending',
      sent: 'Sent',
      acked: 'Delivered',
      read: 'Read',
      failed: 'Failed',
    },
    failed: (reason: string) => `Not sent: ${reason}`,
    notDelivered: (server: string) => `Not delivered: ${server} could not be reached or did not accept it.`,
    details: 'Details',
    unknownReason: 'the server refused it',
    retry: 'Retry',
    discard: 'Discard',
    sendAgain: 'Try again',
    announce: (name: string, text: string) => `New message from ${name}: ${text}`,
    noSuchChat: 'No such conversation',
    notAnAddress: (text: string) => `“${text}” is not the address of anyone.`,
    notAnAddressHint: 'An address looks like bob@example.org. Open a conversation from your chats or your friends.',
    toChats: 'Go to your chats',
    today: 'Today',
    yesterday: 'Yesterday',
  },
  friends: {
    title: 'Friends',
    inviteHeading: 'Invite a friend',
    address: "Friend's address",
    addressHint: 'A username on this server, or someone on another one, like bob@example.org',
    message: 'Message (optional)',
    send: 'Send invite',
    sending: 'Sending…',
    sent: (address: string) => `Invite to ${address} sent. They will see it the next time they open MyLife.`,
    addressNeeded: 'Enter the address of the person to invite.',
    incoming: 'Incoming invites',
    outgoing: 'Sent invites',
    listHeading: 'Contacts',
    list: 'Your friends',
    listEmpty: 'No friends yet. Invite someone above.',
    accept: 'Accept',
    acceptLabel: (address: string) => `Accept invite from ${address}`,
    decline: 'Decline',
    declineLabel: (address: string) => `Decline invite from ${address}`,
    revoke: 'Revoke',
    revokeLabel: (address: string) => `Revoke invite to ${address}`,
    messageLink: 'Message',
    messageLabel: (name: string) => `Message ${name}`,
    remove: 'Remove',
    removeLabel: (address: string) => `Remove ${address} from friends`,
    removeTitle: (name: string) => `Remove ${name} from friends?`,
    removeBody:
      'You will no longer be able to message each other. Your conversation stays on this device. Either of you can send a new invite later.',
    cancel: 'Cancel',
    since: (date: string) => `Friends since ${date}`,
    invitedOn: (date: string) => `Sent ${date}`,
    refusedList: 'Not done',
    refused: {
      invite: (address: string, reason: string) => `Your invite to ${address} was not sent: ${reason}.`,
      accept: (address: string, reason: string) => `Accepting the invite from ${address} did not work: ${reason}.`,
      decline: (address: string, reason: string) => `Declining the invite from ${address} did not work: ${reason}.`,
      revoke: (address: string, reason: string) => `Revoking your invite to ${address} did not work: ${reason}.`,
      unfriend: (address: string, reason: string) => `Removing ${address} from your friends did not work: ${reason}.`,
    },
    answeredFirst: {
      withdrawn: (address: string) => `${address} withdrew the invite before your answer reached them.`,
      accepted: (address: string) => `${address} had already accepted your invite, so it could not be revoked.`,
      declined: (address: string) => `${address} had already declined your invite.`,
    },
    someone: 'someone',
    dismiss: 'Dismiss',
    dismissLabel: (text: string) => `Dismiss: ${text}`,
    notAnAddress: (text: string) =>
      `“${text}” is not an address. Write a username, or an address like bob@example.org.`,
    yourself: 'That is your own address.',
    alreadyFriends: (address: string) => `You and ${address} are already friends.`,
    receivedOn: (date: string) => `Received ${date}`,
  },
  devices: {
    title: 'Devices',
    lead: 'Where you are logged in. Log out a device you no longer use or do not recognise.',
    list: 'Logged-in devices',
    current: 'This device',
    lastUsed: (when: string) => `Last used ${when}`,
    neverUsed: 'Not used yet',
    loggedInOn: (when: string) => `Logged in ${when}`,
    logout: 'Log out',
    logoutLabel: (name: string) => `Log out ${name}`,
    loading: 'Loading devices…',
    needsServer: 'The list of devices comes from the server.',
    retry: 'Try again',
    revoked: (name: string) => `${name} is logged out.`,
    keysHeading: 'Encryption keys',
    fingerprint: 'This device’s key fingerprint',
    fingerprintHint:
      'Your safety number with each friend is made from the keys of all your devices. It changes when you log in on ' +
      'a new device or reset keys.',
    keysUnavailable: 'The keys of this device cannot be shown now.',
    reset: 'Reset encryption keys',
    resetTitle: 'Reset this device’s encryption keys?',
    resetBody:
      'This device gets new keys. Your friends will see that your safety number changed, and each must acknowledge ' +
      'it before they can write to you again; their “verified” marks are dropped. Messages already on this device ' +
      'stay readable here.',
    resetConfirm: 'Reset keys',
    resetting: 'Resetting keys…',
    resetDone: 'This device has new encryption keys.',
    cancel: 'Cancel',
  },
  security: {
    encrypted: 'Encrypted',
    notEncrypted: 'Not encrypted',
    unknown: 'Encryption not checked yet',
    verified: 'Verified',
    /** After the state's own words in the header button's name: where the button leads. */
    openDetails: 'security details',
    encryptedLead: (name: string) =>
      `Messages with ${name} are end-to-end encrypted: only your devices and ${name}’s can read them, not the servers ` +
      'they pass through.',
    noKeys: (name: string) =>
      `Not end-to-end encrypted: ${name} has not set up encryption yet. The servers can read these messages.`,
    noKeyDirectory: (name: string, server: string) =>
      `Not end-to-end encrypted: ${server}, ${name}’s server, does not support encryption. The servers can read ` +
      'these messages.',
    noOwnKeyDirectory:
      'Not end-to-end encrypted: your server does not support encryption. The servers can read these messages.',
    notChecked: (name: string) =>
      `This device has not yet found out whether messages with ${name} can be encrypted. It will once it is online.`,
    title: (name: string) => `Encryption with ${name}`,
    safetyNumber: 'Safety number',
    loadingNumber: 'Working out the safety number…',
    compare: (name: string) =>
      `Compare these digits with the ones ${name}’s device shows, in person or on a call you trust. If they are the ` +
      'same, no one is reading along between you.',
    qrCode: (name: string) => `QR code of your safety number with ${name}`,
    isVerified: (name: string) => `You verified ${name}’s safety number.`,
    notVerified: 'Not verified yet.',
    markVerified: 'Mark as verified',
    close: 'Close',
    historyNote:
      'A device reads only the messages sent after it joined: on a new device, history from before cannot be read.',
    keyChanged: (name: string) =>
      `${name}’s safety number changed. That happens when ${name} resets their keys or logs in on a new device, or ` +
      `if someone tries to read along. Compare the new safety number with ${name} if you can, then acknowledge the ` +
      'change to send messages again.',
    keyChangedLabel: (name: string) => `${name}’s safety number changed`,
    acknowledge: 'Acknowledge',
    viewNumber: 'View safety number',
    blockedPlaceholder: 'Acknowledge the new safety number to send',
    sendBlocked: 'The safety number changed: acknowledge it to send messages again.',
    undecryptable: 'This message could not be decrypted.',
    beforeThisDevice: 'Sent before this device joined: it cannot be read here.',
    waitingForKeys: 'Waiting for keys…',
    encryptedMessage: 'Encrypted message',
    plainMessage: 'Not encrypted',
  },
  errors: {
    unreachable: (host: string) => `Can't reach ${host}. Check your connection and try again.`,
    unauthorized: 'Your session has ended. Log in again to carry on.',
    invalid: (detail: string) => `That did not work: ${detail}.`,
    refused: (detail: string) => `The server refused: ${detail}.`,
    throttled: (wait: string) => `The server is busy. Try again ${wait}.`,
    serverError: 'The server had a problem. Try again in a moment.',
    unexpected: 'Something went wrong. Try again, or reload the page.',
    soon: 'in a moment',
    inSeconds: (seconds: number) => (seconds <= 1 ? 'in a second' : `in ${seconds} seconds`),
    inMinutes: (minutes: number) => (minutes <= 1 ? 'in a minute' : `in ${minutes} minutes`),
  },
};

/** The shape a translation has: the same keys, any words. */
export type Strings = typeof en;
