import type { PromotionMessages } from './zh-CN.promotion';

/** Promotion (送岗): the share page, its poster and the statistics' channels. */
export const enPromotion: PromotionMessages = {
  share: {
    pageTitle: 'Share: {{title}}',
    heading: 'Share this session',
    when: 'Starts',
    employers: 'Employers taking part',
    noEmployers: 'Employers to be announced',
    watch: 'Watch the session',
    calendar: 'Add to calendar',
    linksHeading: 'Share links',
    wechatLink: 'Link for a WeChat group',
    smsText: 'Text message',
    sendSms: 'Send as a text message',
    copy: 'Copy',
    copied: 'Copied',
    copyFailed: 'Could not copy; select the text and copy it',
    smsBody: '{{title}}, live at {{when}}. Watch and apply in one tap: {{url}}',
    posterHeading: 'Poster',
    posterPreview: 'Poster preview: {{title}}, scan to watch',
    posterDrawing: 'Making the poster…',
    posterFailed: 'The poster could not be made; please try again later',
    downloadWechat: 'Download the poster for WeChat groups (750 px wide)',
    downloadPrint: 'Download the poster for printing (A4, 150 dpi)',
    missing: 'There is no such session.',
    failed: 'Could not load this session; please try again later',
    poster: {
      brand: 'Chunfeng Live',
      tagline: 'Live job fair · Spring Breeze Action',
      when: 'Live: {{when}}',
      employers: 'Employers',
      more: 'and {{count}} more',
      scan: 'Scan to watch and apply in one tap',
    },
  },
  shareChannel: { wechat: 'WeChat', sms: 'Text message', poster: 'Poster', site: 'Website' },
  shareStats: {
    byChannel: 'By share channel (viewers and applications it brought)',
    viewers: 'Viewers',
    applications: 'Applications',
  },
};
