import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { answerDirection, directionForHold, reverseDirection } from './direction.ts';
import { fakeRandomBytes, localTransport, peerTransport, sdp, section } from './fixtures.ts';
import { MediaSession } from './media-session.ts';

function pair(): { alice: MediaSession; bob: MediaSession } {
  const alice = new MediaSession({ transport: localTransport, sessionId: '1000', randomBytes: fakeRandomBytes(1) });
  const bob = new MediaSession({ transport: peerTransport, sessionId: '2000', randomBytes: fakeRandomBytes(2) });
  alice.receiveAnswer(bob.receiveOffer(alice.createOffer()));
  return { alice, bob };
}

function directionOf(text: string, index = 0): string | undefined {
  return section(text, index).find((line) => /^a=(sendrecv|sendonly|recvonly|inactive)$/.test(line));
}

describe('direction helpers', () => {
  it('reverses sendonly and recvonly, keeps sendrecv and inactive', () => {
    assert.equal(reverseDirection('sendonly'), 'recvonly');
    assert.equal(reverseDirection('recvonly'), 'sendonly');
    assert.equal(reverseDirection('sendrecv'), 'sendrecv');
    assert.equal(reverseDirection('inactive'), 'inactive');
  });

  it('answers per RFC 3264 §6.1', () => {
    assert.equal(answerDirection('sendonly', 'sendrecv'), 'recvonly');
    assert.equal(answerDirection('recvonly', 'sendrecv'), 'sendonly');
    assert.equal(answerDirection('inactive', 'sendrecv'), 'inactive');
    assert.equal(answerDirection('sendrecv', 'sendrecv'), 'sendrecv');
    assert.equal(answerDirection('sendrecv', 'sendonly'), 'sendonly');
    assert.equal(answerDirection('sendonly', 'sendonly'), 'inactive');
  });

  it('holds per RFC 3264 §8.4 and RFC 6337 §5.3', () => {
    assert.equal(directionForHold('sendrecv'), 'sendonly');
    assert.equal(directionForHold('sendonly'), 'sendonly');
    assert.equal(directionForHold('recvonly'), 'inactive');
    assert.equal(directionForHold('inactive'), 'inactive');
    assert.equal(directionForHold('sendrecv', true), 'inactive');
  });
});

describe('hold and resume', () => {
  it('local hold: we offer sendonly, the peer answers recvonly, media flows one way', () => {
    const { alice, bob } = pair();
    const hold = alice.createReoffer({ hold: true });
    assert.equal(directionOf(hold), 'a=sendonly');
    const answer = bob.receiveOffer(hold);
    assert.equal(directionOf(answer), 'a=recvonly');
    alice.receiveAnswer(answer);
    assert.equal(alice.localHold, true);
    assert.equal(alice.audio?.direction, 'sendonly');
    assert.equal(bob.audio?.direction, 'recvonly');
    assert.equal(bob.remoteHold, true);
    assert.equal(alice.remoteHold, false);
  });

  it('resume: we offer sendrecv again and both directions flow', () => {
    const { alice, bob } = pair();
    alice.receiveAnswer(bob.receiveOffer(alice.createReoffer({ hold: true })));
    const resume = alice.createReoffer({ hold: false });
    assert.equal(directionOf(resume), 'a=sendrecv');
    alice.receiveAnswer(bob.receiveOffer(resume));
    assert.equal(alice.audio?.direction, 'sendrecv');
    assert.equal(bob.audio?.direction, 'sendrecv');
    assert.equal(bob.remoteHold, false);
  });

  it('held by the peer, then holding too: we offer inactive (RFC 6337 §5.3)', () => {
    const { alice, bob } = pair();
    // Bob holds Alice.
    bob.receiveAnswer(alice.receiveOffer(bob.createReoffer({ hold: true })));
    assert.equal(alice.remoteHold, true);
    assert.equal(alice.audio?.direction, 'recvonly');
    // Alice holds as well.
    const offer = alice.createReoffer({ hold: true });
    assert.equal(directionOf(offer), 'a=inactive');
    const answer = bob.receiveOffer(offer);
    assert.equal(directionOf(answer), 'a=inactive');
    alice.receiveAnswer(answer);
    assert.equal(alice.audio?.direction, 'inactive');
  });

  it('the peer re-offers while we hold: we answer sendonly to sendrecv, inactive to sendonly', () => {
    const { alice, bob } = pair();
    alice.receiveAnswer(bob.receiveOffer(alice.createReoffer({ hold: true })));
    assert.equal(directionOf(alice.receiveOffer(bob.createReoffer())), 'a=sendonly');
    bob.receiveAnswer(alice.localSdp as string);
    assert.equal(directionOf(alice.receiveOffer(bob.createReoffer({ hold: true }))), 'a=inactive');
  });

  it('a peer that resumes while we still hold gets sendonly; our resume offer then restores sendrecv', () => {
    const { alice, bob } = pair();
    bob.receiveAnswer(alice.receiveOffer(bob.createReoffer({ hold: true })));
    alice.receiveAnswer(bob.receiveOffer(alice.createReoffer({ hold: true })));
    bob.receiveAnswer(alice.receiveOffer(bob.createReoffer({ hold: false })));
    assert.equal(alice.audio?.direction, 'sendonly');
    assert.equal(alice.remoteHold, false);
    alice.receiveAnswer(bob.receiveOffer(alice.createReoffer({ hold: false })));
    assert.equal(alice.audio?.direction, 'sendrecv');
  });

  it('answers an inactive offer with inactive', () => {
    const { alice, bob } = pair();
    const offer = bob.createReoffer({ hold: true });
    bob.rollback();
    const inactive = offer.replace('a=sendonly', 'a=inactive').replace(/^(o=- 2000) (\d+)/m, '$1 9');
    assert.equal(directionOf(alice.receiveOffer(inactive)), 'a=inactive');
    assert.equal(alice.audio?.direction, 'inactive');
    assert.equal(alice.remoteHold, true);
  });

  it('reads the RFC 2543 hold (c=0.0.0.0) as a peer that does not want to receive', () => {
    const alice = new MediaSession({ transport: localTransport });
    const old = sdp('v=0', 'o=- 5 6 IN IP4 192.0.2.7', 's=-', 'c=IN IP4 0.0.0.0', 't=0 0', 'm=audio 7000 RTP/AVP 0');
    assert.equal(directionOf(alice.receiveOffer(old)), 'a=recvonly');
    assert.equal(alice.remoteHold, true);
  });

  it('learns from an answer that the peer still holds us', () => {
    const { alice, bob } = pair();
    bob.receiveAnswer(alice.receiveOffer(bob.createReoffer({ hold: true })));
    // Alice re-offers sendrecv (e.g. a session refresh); Bob, still holding, answers sendonly.
    alice.receiveAnswer(bob.receiveOffer(alice.createReoffer()));
    assert.equal(alice.remoteHold, true);
    assert.equal(alice.audio?.direction, 'recvonly');
  });
});
