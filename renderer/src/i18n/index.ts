import { createI18n } from 'vue-i18n';
import en from './en';
import zhCN from './zh-CN';

export function createLabI18n(locale: 'en' | 'zh-CN') {
  return createI18n({
    legacy: false,
    locale,
    fallbackLocale: 'en',
    messages: { en, 'zh-CN': zhCN },
  });
}
